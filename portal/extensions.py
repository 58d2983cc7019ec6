"""Flask extensions, created unbound and bound to the app in create_app()."""

from flask_babel import Babel
from flask_caching import Cache
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from portal.core.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
#: rendered public pages, shared by every app copy through Redis in production
cache = Cache()
#: gzip for the anonymous public pages only (public_cache asks for it per response), so that nginx can
#: keep and send them compressed; COMPRESS_REGISTER is off
compress = Compress()
