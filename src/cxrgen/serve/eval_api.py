"""Human evaluation API (filled below)."""
from fastapi import APIRouter
router = APIRouter(prefix="/api/eval")
