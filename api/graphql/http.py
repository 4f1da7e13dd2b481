"""GraphQL over HTTP, as the spec describes, on Starlette.

- POST `application/json` (a single request or a batch array up to a limit);
  GET for queries only (mutations over GET get 405).
- Responds `application/graphql-response+json` when the client accepts it
  (status 400 when the request could not execute at all), else
  `application/json` with 200.
- Unexpected exceptions are logged and masked outside debug mode.
- GraphiQL for browsers that ask for HTML, when enabled.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from api import metrics
from api.errors import DomainError
from api.graphql import graphiql
from api.graphql.cache import ResponseCache
from api.graphql.context import Context
from api.graphql.errors import PublicError
from api.graphql.schema import Schemas
from api.i18n import message, pick_language
from api.outages import RETRY_AFTER_SECONDS, is_unavailable
from api.runtime import Runtime
from api.settings import IntrospectionPolicy

log = logging.getLogger(__name__)

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
QUERY_ONLY = (OperationType.QUERY,)
ALL_OPERATIONS = (OperationType.QUERY, OperationType.MUTATION)


class RequestError(Exception):
    def __init__(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.headers = headers or {}


class GraphQLEndpoint:
    """The endpoint knows no domain: `create_app` hands it who a token stands for
    (`authenticate`, the accounts' sessions) and what may be cached (the catalog's)."""

    def __init__(
        self,
        rt: Runtime,
        schemas: Schemas,
        *,
        authenticate: Callable[[Runtime, str], Awaitable[Any]],
        response_cache: ResponseCache | None = None,
    ) -> None:
        self.rt = rt
        self.authenticate = authenticate
        self.schemas = schemas
        self.settings = rt.settings
        public = self.settings.public_base_url.rstrip("/")
        self.allowed_origins = frozenset({*self.settings.allowed_origins, public})
        # GraphiQL with its assets served by torihiki (api/graphql/graphiql.py), no CDN.
        self.graphiql_html = graphiql.page_html() if self.settings.graphiql_enabled else None
        # Anonymous reads registered as cacheable (the catalog's, the hottest path) are
        # answered from a per-process cache.
        self.response_cache = response_cache

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        """Never a plain 500: an outage answers a coded 503, a bug a coded 500."""
        try:
            return await self._handle(request)
        except Exception as e:
            accept = request.headers.get("accept", "")
            media = GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else JSON
            language = pick_language(request.headers.get("accept-language"))
            if is_unavailable(e):
                log.warning("a dependency is unavailable", exc_info=e)
                return Response(
                    orjson.dumps(_unavailable_body(language)),
                    status_code=503,
                    media_type=media,
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                )
            log.error("unexpected error in the GraphQL endpoint", exc_info=e)
            body = {
                "errors": [
                    {"message": "Internal server error.", "extensions": {"code": "INTERNAL_ERROR"}}
                ]
            }
            return Response(orjson.dumps(body), status_code=500, media_type=media)

    async def _handle(self, request: Request) -> Response:
        accept = request.headers.get("accept", "")
        media = GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else JSON
        cache_key = None
        try:
            if request.method == "GET":
                if (
                    self.graphiql_html
                    and "text/html" in accept
                    and "query" not in request.query_params
                ):
                    return HTMLResponse(self.graphiql_html)
                payloads: Any = dict(request.query_params)
                if "variables" in payloads:
                    payloads["variables"] = _json(payloads["variables"])
                if "extensions" in payloads:
                    payloads["extensions"] = _json(payloads["extensions"])
                operations = QUERY_ONLY
            elif request.method == "POST":
                payloads = await self._read_body(request)
                operations = ALL_OPERATIONS
            else:
                raise RequestError(405, "Use GET or POST.", {"Allow": "GET, POST"})
            if (
                self.response_cache is not None
                and isinstance(payloads, dict)
                and "authorization" not in request.headers
                and self.settings.session_cookie_name not in request.cookies
            ):
                language = pick_language(request.headers.get("accept-language"))
                cache_key = await self.response_cache.key(payloads, language, media)
                hit = self.response_cache.get(cache_key) if cache_key is not None else None
                if hit is not None:
                    metrics.CACHE_HITS.inc()
                    return Response(hit[1], status_code=hit[0], media_type=media)
            context = await self._context(request)
            if isinstance(payloads, list):
                if not payloads or len(payloads) > self.settings.graphql_max_batch:
                    raise RequestError(
                        400, f"A batch holds 1 to {self.settings.graphql_max_batch} operations."
                    )
                results = [await self._execute(p, context, operations, media) for p in payloads]
                body = [r[1] for r in results]
                status = 200
            else:
                status, body = await self._execute(payloads, context, operations, media)
        except RequestError as e:
            return Response(
                orjson.dumps({"errors": [{"message": e.text}]}),
                status_code=e.status,
                media_type=media,
                headers=e.headers,
            )
        data = orjson.dumps(body)
        if cache_key is not None and status == 200 and "errors" not in body:
            self.response_cache.put(cache_key, status, data)  # type: ignore[union-attr]
        headers = {}
        if _any_unavailable(body):
            status, headers = 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
        response = Response(data, status_code=status, media_type=media, headers=headers)
        self._apply_cookies(context, response)
        return response

    async def _read_body(self, request: Request) -> Any:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type not in (JSON, GRAPHQL_RESPONSE):
            raise RequestError(415, "Send the request as application/json.")
        length = request.headers.get("content-length")
        limit = self.settings.graphql_max_body_bytes
        if length and length.isdigit() and int(length) > limit:
            raise RequestError(413, f"The request body exceeds {limit} bytes.")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise RequestError(413, f"The request body exceeds {limit} bytes.")
        data = _json(body)
        if not isinstance(data, (dict, list)):
            raise RequestError(400, "The body must be a JSON object or array.")
        return data

    async def _context(self, request: Request) -> Context:
        token = ""
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
        else:
            token = request.cookies.get(self.settings.session_cookie_name, "")
            if token and request.method == "POST" and not self._origin_allowed(request):
                # A cookie rides along on cross-site requests; a bearer token cannot.
                raise RequestError(403, "This origin may not send requests with a session cookie.")
        caller = await self.authenticate(self.rt, token)  # anonymous for no token
        client = request.client
        return Context(
            rt=self.rt,
            caller=caller,
            language=pick_language(request.headers.get("accept-language")),
            ip_address=client.host if client else "",
            user_agent=request.headers.get("user-agent", "")[:255],
            request=request,
        )

    def _origin_allowed(self, request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None:
            return True  # not a browser cross-origin request (same-origin GETs, native apps)
        own = f"{request.url.scheme}://{request.url.netloc}"
        return origin in (own, *self.allowed_origins)

    async def _execute(
        self, payload: Any, context: Context, operations: tuple, media: str
    ) -> tuple[int, dict[str, Any]]:
        if not isinstance(payload, dict):
            raise RequestError(400, "Each operation must be a JSON object.")
        query = payload.get("query")
        if not isinstance(query, str) or not query.strip():
            raise RequestError(400, "The request has no query.")
        variables = payload.get("variables")
        if variables is not None and not isinstance(variables, dict):
            raise RequestError(400, "variables must be a JSON object.")
        extensions = payload.get("extensions")
        if extensions is not None and not isinstance(extensions, dict):
            raise RequestError(400, "extensions must be a JSON object.")
        operation_name = payload.get("operationName")
        if operation_name is not None and not isinstance(operation_name, str):
            raise RequestError(400, "operationName must be a string.")
        schema = self._schema_for(context)
        started = time.perf_counter()
        try:
            result = await schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
                allowed_operation_types=operations,
            )
        except InvalidOperationTypeError:
            raise RequestError(
                405, "Mutations must be sent with POST.", {"Allow": "POST"}
            ) from None
        body: dict[str, Any] = {}
        if result.errors:
            errors = [self._format_error(e, context.language) for e in result.errors]
            cap = self.settings.graphql_max_errors
            # Validation stops itself at the cap with a last error saying so (cap + 1).
            if len(errors) > cap + 1:
                # One answer carries at most `cap` errors and says how many it left out.
                omitted = len(errors) - cap
                errors = errors[:cap]
                errors.append(
                    {
                        "message": message("ERRORS_TRUNCATED", context.language, omitted=omitted),
                        "extensions": {"code": "ERRORS_TRUNCATED", "omitted": omitted},
                    }
                )
            body["errors"] = errors
            _log_expected(operation_name, errors, len(result.errors))
        # Errors with a path come from execution; without, the document never ran.
        executed = result.data is not None or any(e.path for e in result.errors or ())
        if executed:
            body["data"] = result.data
        status = 400 if media == GRAPHQL_RESPONSE and not executed else 200
        metrics.observe_operation(
            operation_name, query, time.perf_counter() - started, executed, body.get("errors", [])
        )
        return status, body

    def _schema_for(self, context: Context) -> Any:
        policy = self.settings.introspection_policy
        if policy == IntrospectionPolicy.ON or (
            policy == IntrospectionPolicy.STAFF and context.caller.is_staff
        ):
            return self.schemas.full
        return self.schemas.no_introspection

    def _format_error(self, error: GraphQLError, language: str) -> dict[str, Any]:
        original = error.original_error
        if isinstance(original, DomainError):
            # Bad arguments to a query (a page size over the cap, a broken cursor).
            problem = original.problems[0]
            return GraphQLError(
                message(problem.code, language, **problem.params),
                path=error.path,
                nodes=error.nodes,
                extensions={"code": problem.code, "field": list(problem.field or ())},
            ).formatted
        if (
            not error.path
            and isinstance(original, ValueError | TypeError)
            and not isinstance(original, GraphQLError)
        ):
            # The document never ran: a literal graphql-core could not coerce (an Int of
            # 5,000 digits) is the client's mistake; Python's own text stays out of it.
            text = _public_text(error.message).rstrip(".") + "."
            return GraphQLError(
                text, nodes=error.nodes, extensions={"code": "GRAPHQL_VALIDATION_FAILED"}
            ).formatted
        if original is not None and is_unavailable(original):
            # Redis or the database could not be reached: an outage, not a bug.
            log.warning("a dependency is unavailable", exc_info=original)
            return GraphQLError(
                message("SERVICE_UNAVAILABLE", language),
                path=error.path,
                nodes=error.nodes,
                extensions={"code": "SERVICE_UNAVAILABLE"},
            ).formatted
        if (
            original is not None
            and not isinstance(original, (GraphQLError, PublicError))
            and not _is_permission_error(original)
        ):
            log.error("unexpected error in a resolver", exc_info=original)
            if not self.settings.debug:
                masked = GraphQLError(
                    "Internal server error.",
                    path=error.path,
                    nodes=error.nodes,
                    extensions={"code": "INTERNAL_ERROR"},
                )
                return masked.formatted
        formatted = error.formatted
        if "extensions" not in formatted or "code" not in formatted.get("extensions", {}):
            # Without a path the document never ran: a bad variable (wrong type, a date
            # that does not exist) fails validation, as the guide says, in our words only.
            if original is None or not error.path:
                formatted["message"] = _public_text(formatted["message"])
                code = "GRAPHQL_VALIDATION_FAILED"
            else:
                code = "BAD_REQUEST"
            formatted.setdefault("extensions", {})["code"] = code
        return formatted

    def _apply_cookies(self, context: Context, response: Response) -> None:
        secure = self.settings.cookie_secure
        samesite = self.settings.session_cookie_samesite.value
        for name, (value, expires_at) in context.cookies.items():
            if value is None:
                response.delete_cookie(
                    name, path="/", httponly=True, secure=secure, samesite=samesite
                )
            else:
                response.set_cookie(
                    name,
                    value,
                    expires=expires_at.astimezone(UTC),
                    httponly=True,
                    secure=secure,
                    samesite=samesite,
                    path="/",
                )


_UNEXPECTED = frozenset({"INTERNAL_ERROR", "SERVICE_UNAVAILABLE"})  # logged where they occur


def _log_expected(operation: str | None, errors: list[dict[str, Any]], total: int) -> None:
    """One brief INFO line per response for the errors a client caused, no traceback."""
    codes: dict[str, int] = {}
    for error in errors:
        code = (error.get("extensions") or {}).get("code", "")
        if code not in _UNEXPECTED and code != "ERRORS_TRUNCATED":
            codes[code] = codes.get(code, 0) + 1
    if codes:
        log.info(
            "operation answered with client errors",
            extra={"operation": (operation or "")[:64], "codes": codes, "errors": total},
        )


# A scalar's refusal carries Python's own words after the value ("… a Date: "2026-13-45".
# month must be in 1..12"): the value stays, the interpreter's text goes.
_PYTHON_TAIL = re.compile(r'(cannot represent an? [A-Za-z]+: ".*?")\. .*$', re.S)


def _public_text(text: str) -> str:
    text = text.split(", but encountered error")[0]
    return _PYTHON_TAIL.sub(r"\1.", text)


def _unavailable_body(language: str) -> dict[str, Any]:
    text = message("SERVICE_UNAVAILABLE", language)
    return {"errors": [{"message": text, "extensions": {"code": "SERVICE_UNAVAILABLE"}}]}


def _any_unavailable(body: Any) -> bool:
    """Whether an answer (or any answer of a batch) carries SERVICE_UNAVAILABLE."""
    for one in body if isinstance(body, list) else [body]:
        for error in one.get("errors") or ():
            if (error.get("extensions") or {}).get("code") == "SERVICE_UNAVAILABLE":
                return True
    return False


def _json(raw: str | bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RequestError(400, "The body is not valid JSON.") from None


def _is_permission_error(error: Exception) -> bool:
    return type(error).__name__ == "PermissionError" or isinstance(error, PermissionError)
