"""The installable web app: the manifest, the service worker (an offline page, and the
notifications web push brings), and the icons, drawn here so that no binary is kept."""

from __future__ import annotations

import io
import json
from functools import lru_cache

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control

ICON_SIZES = (192, 512)
BRAND = (29, 78, 216)
SW_VERSION = "1"


@cache_control(public=True, max_age=3600)
def manifest(request):
    data = {
        "name": "Waypoint",
        "short_name": "Waypoint",
        "description": "OKRs and KPIs",
        "lang": get_language(),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d4ed8",
        "icons": [
            {"src": reverse("icon", args=[n]), "sizes": f"{n}x{n}", "type": "image/png"}
            for n in ICON_SIZES
        ]
        + [{"src": static("waypoint/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return JsonResponse(data, content_type="application/manifest+json")


def service_worker(request):
    """Served from the root so that its scope is the whole site; never cached long, so that
    a new version is picked up at the next visit."""
    shell = [reverse("offline"), static("waypoint/app.css"), static("waypoint/icon.svg")]
    context = {
        "version": json.dumps(SW_VERSION),
        "shell": json.dumps(shell),
        "offline": json.dumps(reverse("offline")),
        "icon": json.dumps(reverse("icon", args=[192])),
    }
    response = render(request, "sw.js", context, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


def offline(request):
    return render(request, "offline.html")


@lru_cache(maxsize=len(ICON_SIZES))
def _icon_png(size: int) -> bytes:
    from PIL import Image, ImageDraw

    scale = size / 32
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=round(8 * scale), fill=BRAND)
    # The pin of icon.svg: a circle above a point, with a hole.
    draw.ellipse((8 * scale, 5 * scale, 24 * scale, 20.6 * scale), fill="white")
    draw.polygon(
        [(8.6 * scale, 15 * scale), (23.4 * scale, 15 * scale), (16 * scale, 27 * scale)],
        fill="white",
    )
    draw.ellipse((12.8 * scale, 9.6 * scale, 19.2 * scale, 16 * scale), fill=BRAND)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


@cache_control(public=True, max_age=86400)
def icon(request, size: int):
    if size not in ICON_SIZES:
        raise Http404
    return HttpResponse(_icon_png(size), content_type="image/png")
