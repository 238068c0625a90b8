"""Customer routes: create a conversation, stream a turn, read the transcript, live events, end, rate."""

import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, cast

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..errors import ModelError, log_unexpected
from .desk import ASSISTANT, GREETING, Accepted, HelpDesk
from .errors import WebError
from .inputs import ascii_int
from .security import client_address
from .sse import CUSTOMER_KINDS, customer_view, event_stream, format_event
from .store import WebConversation
from .throttle import Throttle

__all__ = ["SSE_HEADERS", "chat_routes", "last_event_id", "read_json"]

logger = logging.getLogger(__name__)

SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
MODEL_UNAVAILABLE = "I can't answer right now: our assistant is unavailable. Please try again in a moment."
"""What the customer is told when the model API fails (nothing of the turn is stored, so they can resend)."""
Spawn = Callable[[Callable[[], Coroutine[Any, Any, None]]], None]
"""Starts a task that outlives the request (a turn finishes even if the customer's connection drops)."""


async def read_json(request: Request) -> dict[str, Any]:
    """The request body as a JSON object.

    Raises:
        WebError: `invalid_request` when it is not a JSON object.
    """
    try:
        body = await request.json()
    except ClientDisconnect as exc:  # the client left mid-body: nobody reads the answer, nothing to log
        raise WebError("invalid_request", "the request body was cut off", status=400) from exc
    except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested thousands of levels deep
        raise WebError("invalid_request", "the body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise WebError("invalid_request", "the body must be a JSON object")
    return cast(dict[str, Any], body)


def last_event_id(request: Request) -> int:
    """Where a stream resumes: `Last-Event-ID` (sent by reconnecting clients), else `?after=`, else 0."""
    raw = request.headers.get("last-event-id") or request.query_params.get("after") or "0"
    found = ascii_int(raw)
    if found is None:
        raise WebError("invalid_request", "after: must be a non-negative event id")
    return found


def _turn_stream(desk: HelpDesk, accepted: Accepted, spawn: Spawn) -> AsyncIterator[str]:
    """Run the turn as a task of the app (it outlives the request) and stream its events."""
    sender, receiver = anyio.create_memory_object_stream[str](max_buffer_size=256)

    async def send(event: str, data: dict[str, Any]) -> None:
        try:
            await sender.send(format_event(event, data))
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass  # the customer left; the turn still completes and is stored

    async def run() -> None:
        async with sender:
            try:
                await desk.turn(accepted, send)
            except WebError as exc:
                await send("error", {"code": exc.code, "message": exc.message})
            except ModelError as exc:
                # The operator's detail (key, model, request id) goes to the log, never to the customer.
                logger.warning("web turn: the model failed: %s", exc)
                await send("error", {"code": "unavailable", "message": MODEL_UNAVAILABLE})
            except Exception as exc:  # the top of a background task: one failed turn must not stop the server
                log_unexpected(logger, "web turn failed", exc)
                await send(
                    "error", {"code": "internal", "message": "Something went wrong on our side; please try again."}
                )

    spawn(run)

    async def stream() -> AsyncIterator[str]:
        async with receiver:
            async for chunk in receiver:
                yield chunk + "".join(_waiting(receiver))

    return stream()


def _waiting(receiver: MemoryObjectReceiveStream[str]) -> Iterator[str]:
    """The events already queued behind the one received: sent with it in one write (and one HTTP chunk)."""
    while True:
        try:
            yield receiver.receive_nowait()
        except (anyio.WouldBlock, anyio.EndOfStream):
            return


def chat_routes(desk: HelpDesk, *, spawn: Spawn, keepalive_s: float, throttle: Throttle) -> list[Route]:
    """The customer API, bound to `desk`; new conversations and messages are rate-limited by `throttle`."""

    async def conversation(request: Request) -> WebConversation:
        return await desk.authenticate(request.path_params["cid"], request.headers.get("x-conversation-secret"))

    async def create(request: Request) -> Response:
        await read_json(request)
        throttle.hit("conversations", client_address(request))
        conversation_id, secret = await desk.open()
        model = desk.orchestrator.model
        body = {
            "conversation_id": conversation_id,
            "secret": secret,
            "assistant": ASSISTANT,
            "model": {"label": model.label, "offline": model.offline},
            "greeting": GREETING,
        }
        return JSONResponse(body, status_code=201)

    async def transcript(request: Request) -> Response:
        return JSONResponse(await desk.transcript(await conversation(request)))

    async def post_message(request: Request) -> Response:
        body: dict[str, Any] | WebError
        try:
            body = await read_json(request)
        except WebError as exc:  # reported once the customer is known: an unknown conversation is `not_found` first
            body = exc

        def admit(conv: WebConversation) -> object:
            if isinstance(body, WebError):
                raise body
            throttle.hit("messages", conv.conversation_id)
            return body.get("text")

        cid, secret = request.path_params["cid"], request.headers.get("x-conversation-secret")
        accepted = await desk.accept(cid, secret, admit)
        return StreamingResponse(
            _turn_stream(desk, accepted, spawn), media_type="text/event-stream", headers=SSE_HEADERS
        )

    async def live(request: Request) -> Response:
        conv = await conversation(request)
        stream = event_stream(
            desk.store,
            desk.hub,
            conversation_id=conv.conversation_id,
            after=last_event_id(request),
            kinds=CUSTOMER_KINDS,
            view=customer_view,
            keepalive_s=keepalive_s,
        )
        return StreamingResponse(stream, media_type="text/event-stream", headers=SSE_HEADERS)

    async def end(request: Request) -> Response:
        conv = await conversation(request)
        await read_json(request)
        return JSONResponse(await desk.end(conv))

    async def rate(request: Request) -> Response:
        conv = await conversation(request)
        return JSONResponse(await desk.rate(conv, (await read_json(request)).get("score")))

    return [
        Route("/api/conversations", create, methods=["POST"]),
        Route("/api/conversations/{cid}", transcript, methods=["GET"]),
        Route("/api/conversations/{cid}/messages", post_message, methods=["POST"]),
        Route("/api/conversations/{cid}/events", live, methods=["GET"]),
        Route("/api/conversations/{cid}/end", end, methods=["POST"]),
        Route("/api/conversations/{cid}/csat", rate, methods=["POST"]),
    ]
