"""Corpus: a FastAPI service with common mistakes."""
import os
import random

import httpx
import jwt
import uvicorn
from fastapi import FastAPI, Header, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.responses import HTMLResponse

JWT_SECRET = os.environ.get("JWT_SECRET", "changeme")
app = FastAPI(debug=True)
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_methods=["*"])


@app.get("/users/{user_id}")
async def read_user(user_id: int):
    return await fetch_user(user_id)


@app.post("/token")
async def token(request: Request):
    body = await request.json()
    return {"access_token": jwt.encode({"sub": body["username"]}, JWT_SECRET, algorithm="HS256")}


@app.get("/me")
async def me(authorization: str = Header("")):
    claims = jwt.decode(authorization[7:], JWT_SECRET, algorithms=["HS256", "none"])
    return claims


@app.get("/search")
async def search(q: str, limit: int = Query(50)):
    return {"q": q, "limit": limit}


@app.delete("/internal/cache")
async def clear_cache():
    return {"cleared": True}


@app.get("/reset-code")
async def reset_code():
    reset_token = "".join(random.choice("0123456789") for _ in range(6))
    return {"sent": len(reset_token)}


@app.get("/proxy")
async def proxy():
    async with httpx.AsyncClient(verify=False) as client:
        r = await client.get("https://api.example.net/x")
    return r.json()


async def fetch_user(user_id):
    return {}


if __name__ == "__main__":
    uvicorn.run("main:app", host="0.0.0.0", reload=True)
