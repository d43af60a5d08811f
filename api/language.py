"""The language of explanation texts in API responses, from ``Accept-Language``.

The API answers in English unless the client prefers Swedish (``sv``, ``sv-SE``,
``sv-SE,sv;q=0.9,en;q=0.8``); unknown languages fall back to English. Codes and values of
an explanation are the same in every language; only ``text`` differs. Responses say which
language they chose (``Content-Language``) and that it depended on the request
(``Vary: Accept-Language``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Response

from ranking.messages import DEFAULT_LANGUAGE, negotiate

API_DEFAULT_LANGUAGE = DEFAULT_LANGUAGE


async def explanation_language(
    response: Response,
    accept_language: Annotated[
        str | None,
        Header(
            description="The language of explanation texts: `sv` or `en` (q-values and "
            "region tags as in RFC 9110, e.g. `sv-SE,sv;q=0.9,en;q=0.8`); otherwise `en`. "
            "Codes and values are the same in every language; the response's "
            "`Content-Language` names the language chosen."
        ),
    ] = None,
) -> str:
    """The negotiated language; sets ``Content-Language`` and ``Vary`` on the response."""
    lang = negotiate(accept_language, API_DEFAULT_LANGUAGE)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language"
    return lang


LangDep = Annotated[str, Depends(explanation_language)]
