from flask import Blueprint, render_template

bp = Blueprint("views", __name__)


@bp.route("/health")
def health():
    return {"status": "ok"}


@bp.route("/")
def index():
    return render_template("index.html", title="Shop")
