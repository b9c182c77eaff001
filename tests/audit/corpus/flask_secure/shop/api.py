import secrets

from flask import Blueprint, g, jsonify, request
from flask.views import MethodView
from flask_login import current_user, login_required

from .security import admin_only, require_api_key

bp = Blueprint("api", __name__)


@bp.before_request
def authenticate():
    if not current_user.is_authenticated:
        return jsonify(error="login required"), 401
    g.user = current_user


@bp.route("/tasks/<int:task_id>")
def get_task(task_id):
    task = Task.query.filter_by(id=task_id, owner_id=current_user.id).first_or_404()
    return jsonify(id=task.id, title=task.title)


@bp.route("/tasks")
def list_tasks():
    limit = min(request.args.get("limit", 20, type=int), 100)
    return jsonify(tasks=[t.id for t in Task.query.filter_by(owner_id=current_user.id).limit(limit)])


@bp.route("/keys", methods=["POST"])
@login_required
def new_key():
    return jsonify(key=secrets.token_urlsafe(32)), 201


@bp.route("/admin/users/<int:user_id>", methods=["DELETE"])
@admin_only
def delete_user(user_id):
    User.query.filter_by(id=user_id).delete()
    return "", 204


class ReportView(MethodView):
    decorators = [require_api_key]

    def get(self):
        return jsonify(report=[])

    def post(self):
        return jsonify(created=True), 201


bp.add_url_rule("/reports", view_func=ReportView.as_view("reports"))


class Task:
    query = None


class User:
    query = None
