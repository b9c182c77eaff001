"""Seed 003, as users write it: no authentication, no rate limit, any id can be read (do not deploy).

    python examples/frameworks/flask_seed/vulnerable.py     # http://127.0.0.1:8103
"""

from __future__ import annotations

import os

from flask import Flask, jsonify

app = Flask(__name__)

USERS = {"alice": {"email": "alice@example.com", "balance": 9000}, "bob": {"email": "bob@example.com", "balance": 12}}


@app.route("/api/data/<user_id>")
def get_user_data(user_id: str):  # anyone can walk every id and scrape the whole table
    return jsonify({"user_id": user_id, **USERS.get(user_id, {})})


if __name__ == "__main__":
    # the development server with the interactive debugger on
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8103")), debug=True)
