"""The ``Idempotency-Key`` header of the JSON API: a completion retried with the same key (after a
lost answer, a timeout, a crash) gets the first answer again, with no second effect.

``idempotent`` wraps a view that changes something; the view ends its success with ``commit_answer``,
which writes the record in the same transaction as the change (engine.domain.idempotency). Only a
committed change is remembered: an answer that changed nothing (422, 409) may be retried with the key.
"""
from __future__ import annotations

import hashlib
from functools import wraps

from flask import Response, g, jsonify, make_response, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from engine.domain import idempotency
from webapp import db

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


def _body_parts() -> list:
    """The body as the server reads it, so that the same request sent again matches whatever its
    multipart boundary or the order of its JSON keys."""
    if request.is_json:
        body = request.get_json(silent=True)
        return ["json", body if body is not None else request.get_data(as_text=True)]
    fields = sorted(request.form.items(multi=True))
    files = []
    for name, upload in request.files.items(multi=True):
        digest = hashlib.sha256()
        for chunk in iter(lambda upload=upload: upload.stream.read(1 << 20), b""):  # uploads reach 20 MB
            digest.update(chunk)
        upload.stream.seek(0)
        files.append((name, upload.filename, digest.hexdigest()))
    return ["form", fields, sorted(files)]


def _replay(stored, pending: idempotency.Request):
    if stored.fingerprint != pending.fingerprint:
        return jsonify({"error": _("该 Idempotency-Key 已用于另一个内容不同的请求；新的请求请使用新的键"),
                        "code": "idempotency_key_reused"}), 422
    response = Response(stored.body, status=stored.status, mimetype="application/json")
    response.headers[REPLAYED_HEADER] = "true"
    return response


def idempotent(view):
    """After ``token_required``: with the header, a key seen before (24 hours) answers as the first time."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        if not idempotency.valid_key(key):
            return jsonify({"error": _("Idempotency-Key 应为 1 至 255 个可见 ASCII 字符（如 UUID）"),
                            "code": "bad_idempotency_key"}), 400
        pending = idempotency.Request(g.api_user.id, key,
                                      idempotency.fingerprint(request.method, request.path, _body_parts()))
        stored = idempotency.find(db.session(), pending)
        if stored is not None:
            return _replay(stored, pending)
        g.idempotency = pending
        response = make_response(view(*args, **kwargs))
        if response.status_code == 409:  # the same request, sent twice at once, may have won meanwhile
            stored = idempotency.find(db.session(), pending)
            if stored is not None:
                return _replay(stored, pending)
        return response

    return wrapper


def commit_answer(body: dict, status: int = 200):
    """Commit the request's change together with its answer (when the request carried a key)."""
    pending = g.get("idempotency")
    if pending is not None:
        idempotency.remember(db.session(), pending, status, body)
    try:
        db.commit()
    except IntegrityError:  # the key's record was written by a twin request first
        db.rollback()
        stored = idempotency.find(db.session(), pending) if pending is not None else None
        if stored is None:
            raise
        return _replay(stored, pending)
    return jsonify(body), status
