"""`AnthropicModel`: the `ModelClient` backed by Claude through `AsyncAnthropic` (the only place that calls the API).

Every call streams (text deltas go to `on_text`). Prompt-cache breakpoints mark the static prefix (tools and the
system prompt) and the conversation's tail, each only when it reaches the model's minimum cacheable length
(`orchestrator.llm.caching`). An error event inside a 200 stream is retried with backoff while no text has reached
the customer; after that it is a `ModelStreamInterrupted` carrying the text already shown. SDK errors become
`ModelError`s with a status code and a message a CLI user can act on.
Sampling parameters are not sent: API version 2026-10-21, which anthropic 2.x speaks, rejects `temperature`
(even 1.0) with a 400, and the SDK has no such argument any more, so `ModelRequest.temperature` is ignored.
"""

import logging
import random
from types import TracebackType
from typing import Self

import anthropic
import anyio
from anthropic import AsyncAnthropic, omit
from pydantic import SecretStr

from ..errors import ModelError, ModelStreamInterrupted
from ..settings import ModelConfig
from ..storage.ledger import price_for
from ..wire import Message
from .caching import plan_cache
from .model import ModelRequest, TextCallback

__all__ = ["AnthropicModel"]

logger = logging.getLogger(__name__)

_CONNECT_TIMEOUT_S = 5.0
_MAX_BACKOFF_S = 8.0
_DEFAULT_MIN_CACHE_TOKENS = 1024
_NEVER = 2**62
"""A minimum no prompt reaches: a one-off request (`ModelRequest.cache=False`) gets no breakpoint."""
_STATUS_OF_ERROR_TYPE = {"rate_limit_error": 429, "api_error": 500, "overloaded_error": 529}
"""Errors that arrive inside a 200 stream carry their kind only in the body."""


class AnthropicModel:
    """Claude through the Messages API, streaming, with the tools and system prompt cached.

    Build it with an explicit key (production) or an explicit `AsyncAnthropic` client (tests, proxies); it
    never falls back to credentials found in the environment, so a test cannot reach the API by accident.
    """

    def __init__(
        self,
        config: ModelConfig,
        *,
        api_key: SecretStr | None = None,
        base_url: str | None = None,
        client: AsyncAnthropic | None = None,
    ) -> None:
        """Wrap `client`, or build one from `api_key`.

        Args:
            config: Model ids, retries and timeout.
            api_key: The Anthropic API key (`Settings.api_key`).
            base_url: The API root; None means the SDK default, which honours `ANTHROPIC_BASE_URL`.
            client: A ready client (its own key, base URL, retries and timeout apply).

        Raises:
            ModelError: neither a non-empty key nor a client was given.
            ValueError: a client was given together with a key or base URL.
        """
        if client is not None:
            if api_key is not None or base_url is not None:
                raise ValueError("AnthropicModel: pass either `client` or `api_key`/`base_url`, not both")
            self._owns_client = False
        elif api_key is None or not api_key.get_secret_value():
            raise ModelError(
                "no Anthropic API key: set ANTHROPIC_API_KEY to use Claude (or run the offline model); "
                "AnthropicModel needs an explicit key or client and never looks for credentials itself"
            )
        else:
            client = AsyncAnthropic(
                api_key=api_key.get_secret_value(),
                base_url=base_url,
                max_retries=config.max_retries,
                timeout=anthropic.Timeout(config.request_timeout_s, connect=_CONNECT_TIMEOUT_S),
            )
            self._owns_client = True
        self._client = client
        self._config = config

    def __repr__(self) -> str:
        return f"AnthropicModel(model={self.label!r}, base_url={str(self._client.base_url)!r})"

    @property
    def label(self) -> str:
        """The main model id, e.g. `claude-sonnet-4-6`."""
        return self._config.main

    @property
    def offline(self) -> bool:
        """Always False: this is Claude."""
        return False

    async def create(self, request: ModelRequest, *, on_text: TextCallback | None = None) -> Message:
        """Stream one Messages API call and return the final message, whatever its `stop_reason`.

        `request.metadata` is not sent (see the module docstring).

        Args:
            request: Model id, system prompt and context, tools, history, `max_tokens` and `tool_choice`.
            on_text: Awaited with each text delta, in order, as it arrives.

        Returns:
            The accumulated message (`refusal`, `max_tokens`, `tool_use`, ... are left to the caller).

        Raises:
            ModelStreamInterrupted: the stream failed after text had reached `on_text`.
            ModelError: the API call failed after the SDK's retries (and ours, for errors inside a stream);
                `status_code` is the HTTP status (None for network failures and timeouts).
        """
        attempt = 0
        while True:
            shown: list[str] = []
            try:
                return await self._stream(request, on_text, shown)
            except anthropic.APIStatusError as exc:
                in_stream = exc.status_code < 400
                if not in_stream or shown or attempt >= self._config.max_retries:
                    error = self._model_error(exc, request.model)
                    if shown:
                        raise ModelStreamInterrupted(str(error), "".join(shown), status_code=error.status_code) from exc
                    raise error from exc
                attempt += 1
                delay = min(_MAX_BACKOFF_S, self._config.retry_backoff_s * 2 ** (attempt - 1))
                logger.warning("error event before any text (%s); retry %d in %.2fs", exc.type, attempt, delay)
                await anyio.sleep(delay * (0.75 + random.random() / 2))  # jitter spreads synchronized retries
            except anthropic.APIError as exc:
                raise self._model_error(exc, request.model) from exc

    async def _stream(self, request: ModelRequest, on_text: TextCallback | None, shown: list[str]) -> Message:
        price = price_for(request.model, self._config.prices)
        min_tokens = price.min_cache_tokens if price is not None else _DEFAULT_MIN_CACHE_TOKENS
        plan = plan_cache(
            tools=request.tools,
            system=request.system,
            context=request.context,
            messages=request.messages,
            min_tokens=min_tokens if request.cache else _NEVER,
            ttl=self._config.cache_ttl,
        )
        async with self._client.messages.stream(
            model=request.model,
            max_tokens=request.max_tokens,
            system=plan.system or omit,
            tools=plan.tools or omit,
            tool_choice=request.tool_choice if request.tool_choice is not None else omit,
            messages=plan.messages,
        ) as stream:
            if on_text is not None:
                async for text in stream.text_stream:
                    shown.append(text)
                    await on_text(text)
            return Message.from_api(await stream.get_final_message())

    async def aclose(self) -> None:
        """Close the HTTP connections of a client this object built (an injected client is left open)."""
        if self._owns_client:
            await self._client.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def _model_error(self, exc: anthropic.APIError, model: str) -> ModelError:
        if isinstance(exc, anthropic.APITimeoutError):
            return ModelError(
                f"the Anthropic API did not answer within {self._config.request_timeout_s:g}s "
                "(raise [model] request_timeout_s, or try again)"
            )
        if isinstance(exc, anthropic.APIConnectionError):
            return ModelError(
                f"could not reach the Anthropic API at {self._client.base_url}: check the network, "
                "a proxy, or ANTHROPIC_BASE_URL"
            )
        if not isinstance(exc, anthropic.APIStatusError):
            return ModelError(f"the Anthropic API returned an unexpected response: {exc.message}")
        status = exc.status_code
        retried = f", still after {self._client.max_retries} retries"
        if status < 400:  # an `error` event inside a 200 stream: the SDK does not retry those
            status, retried = _STATUS_OF_ERROR_TYPE.get(str(exc.type), 500), " mid-response"
        detail = f"{exc.api_message or exc.type or 'no detail'}; request id {exc.request_id or 'unknown'}"
        logger.warning("Anthropic API error %s (%s)", status, detail)
        if status == 401:
            text = "the Anthropic API key was rejected (401): check ANTHROPIC_API_KEY (or unset it to run offline)"
        elif status == 403:
            text = f"the Anthropic API key may not use model {model!r} (403): check the key's workspace permissions"
        elif status == 404:
            text = f"the Anthropic API does not know model {model!r} (404): check [model] main/fast in the config"
        elif status == 429:
            text = f"the Anthropic API rate limit was hit (429){retried}: wait a minute and try again"
        elif status == 529:
            text = f"the Anthropic API is overloaded (529){retried}: try again shortly"
        elif status >= 500:
            text = f"the Anthropic API failed ({status}){retried}: try again shortly"
        else:
            text = f"the Anthropic API rejected the request ({status})"
        return ModelError(f"{text} [{detail}]", status_code=status)
