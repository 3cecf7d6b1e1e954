"""A bare FastAPI hello-world app: the baseline ``bench_wrk`` runs under its own uvicorn.

Every path answers the same small JSON, so the load generator asks both apps the same paths."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/{path:path}")
async def hello(path: str) -> dict[str, str]:
    return {"hello": "world"}
