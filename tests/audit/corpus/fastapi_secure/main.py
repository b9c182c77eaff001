"""Corpus: a FastAPI service with router-level authentication, rate limiting and headers."""
import os

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.security import OAuth2PasswordBearer
from slowapi import Limiter, _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded
from slowapi.middleware import SlowAPIMiddleware
from slowapi.util import get_remote_address

import jwt

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/v1/token")
limiter = Limiter(key_func=get_remote_address, default_limits=["100/minute"])
JWT_SECRET = os.environ["JWT_SECRET"]


async def get_current_user(token: str = Depends(oauth2_scheme)):
    try:
        claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="invalid token") from None
    return claims


async def require_admin(user=Depends(get_current_user)):
    if "admin" not in user.get("roles", []):
        raise HTTPException(status_code=403)
    return user


app = FastAPI(title="Tasks")
app.state.limiter = limiter
app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)
app.add_middleware(SlowAPIMiddleware)
app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"], allow_credentials=True)


@app.middleware("http")
async def security_headers(request: Request, call_next):
    response = await call_next(request)
    response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["X-Frame-Options"] = "DENY"
    return response


public = APIRouter(prefix="/v1")
api = APIRouter(prefix="/v1", dependencies=[Depends(get_current_user)])
admin = APIRouter(prefix="/v1/admin")


@public.get("/health")
async def health():
    return {"status": "ok"}


@public.post("/token")
@limiter.limit("5/minute")
async def token(request: Request):
    return {"access_token": "..."}


@api.get("/tasks")
async def list_tasks(limit: int = Query(20, le=100), user=Depends(get_current_user)):
    return {"owner": user["sub"], "limit": limit}


@api.get("/tasks/{task_id}")
async def get_task(task_id: int, user=Depends(get_current_user)):
    return await load_task(task_id, owner=user["sub"])


@admin.delete("/users/{user_id}")
async def delete_user(user_id: int, admin_user=Depends(require_admin)):
    return {"deleted": user_id}


async def load_task(task_id, owner):
    return {}


app.include_router(public)
app.include_router(api)
app.include_router(admin)
