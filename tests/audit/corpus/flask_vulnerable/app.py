"""Corpus: a Flask API with the classic mistakes (never run; parsed by the auditor tests)."""
import hashlib
import random

import jwt
import requests
from flask import Flask, jsonify, render_template, request
from flask_cors import CORS

app = Flask(__name__)
app.config["SECRET_KEY"] = "dev"
app.config["WTF_CSRF_ENABLED"] = False
CORS(app, supports_credentials=True)
ADMIN_PASSWORD = "hunter2hunter2"


@app.route("/api/data/<user_id>")
def get_user_data(user_id):
    row = db_get("users", user_id)
    return jsonify(row.__dict__)


@app.route("/api/users", methods=["POST"])
def create_user():
    user = User(**request.json)
    user.password = hashlib.md5(request.json["password"].encode()).hexdigest()
    return jsonify(id=user.id), 201


@app.route("/api/login", methods=["POST"])
def login():
    data = request.get_json()
    token = jwt.encode({"sub": data["username"]}, app.config["SECRET_KEY"], algorithm="HS256")
    return jsonify(token=token)


@app.route("/api/otp")
def otp():
    code = random.randint(100000, 999999)
    return jsonify(sent=bool(code))


@app.route("/api/whoami")
def whoami():
    claims = jwt.decode(request.headers["Authorization"][7:], options={"verify_signature": False})
    return jsonify(claims)


@app.route("/api/items")
def items():
    limit = request.args.get("limit", 20, type=int)
    return jsonify(items=list_items(limit))


@app.route("/debug/env")
def debug_env():
    return jsonify(dict(request.environ))


@app.route("/api/check")
def check_key():
    if request.headers.get("X-API-Key") == app.config["API_KEY"]:
        return jsonify(ok=True)
    return jsonify(ok=False), 403


@app.route("/api/forward")
def forward():
    r = requests.get("https://upstream.example.net/data", verify=False)
    return r.text


@app.route("/page")
def page():
    return render_template("page.html", body=request.args.get("q", ""))


def db_get(table, key):
    return None


def list_items(limit):
    return []


class User:
    def __init__(self, **kw):
        self.__dict__.update(kw)


if __name__ == "__main__":
    app.run(host="0.0.0.0", debug=True)
