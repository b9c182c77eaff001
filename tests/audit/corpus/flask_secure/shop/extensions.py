from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

limiter = Limiter(get_remote_address, default_limits=["200 per hour"], storage_uri="redis://localhost:6379")
talisman = Talisman()
csrf = CSRFProtect()
login_manager = LoginManager()
