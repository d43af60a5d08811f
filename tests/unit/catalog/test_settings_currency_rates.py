"""The currency rate table (issue 13, 10): SEK per unit, from the TOML file or the
environment, validated with an error that names the key."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from catalog.settings import Settings
from search.prices import NO_RATES, rate_table


def test_no_rates_by_default() -> None:
    settings = Settings()
    assert settings.currency_rates == {} and settings.currency_rates_date is None
    assert rate_table(settings) is NO_RATES


def test_rates_from_the_toml_file_are_exact_decimals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "valbar.toml"
    cfg.write_text(
        'currency_rates = {EUR = "11.42", czk = 0.4483}\ncurrency_rates_date = 2026-12-01\n'
    )
    monkeypatch.setenv("VALBAR_CONFIG_FILE", str(cfg))
    settings = Settings()
    assert settings.currency_rates == {"EUR": Decimal("11.42"), "CZK": Decimal("0.4483")}
    assert str(settings.currency_rates["CZK"]) == "0.4483"  # a TOML float, taken as written
    table = rate_table(settings)
    assert table.rate("EUR") == Decimal("11.42") and table.as_of == date(2026, 12, 1)


def test_rates_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VALBAR_CONFIG_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("VALBAR_CURRENCY_RATES", '{"EUR": "11.50"}')
    monkeypatch.setenv("VALBAR_CURRENCY_RATES_DATE", "2026-12-02")
    settings = Settings()
    assert settings.currency_rates == {"EUR": Decimal("11.50")}
    assert settings.currency_rates_date == date(2026, 12, 2)


@pytest.mark.parametrize(
    "rates,message",
    [
        ({"EURO": "11.42"}, "currency_rates: 'EURO' is not an ISO 4217 currency code"),
        ({"XYZ": "1"}, "'XYZ' is not an ISO 4217"),
        ({"SEK": "1"}, "'SEK' is the marketplace's own currency"),
        ({"EUR": "0"}, r"currency_rates.EUR: the rate must be a number of SEK per EUR between"),
        ({"EUR": "-11.42"}, r"currency_rates.EUR: the rate must be a number"),
        ({"EUR": "1e400"}, r"currency_rates.EUR: .* between 0.000001 and 1000000, not 1E\+400"),
        ({"EUR": "1142000000"}, r"currency_rates.EUR: .* between"),
        ({"XXX": "1"}, "'XXX' is ISO 4217's code for no currency or for testing"),
        ({"xts": "1"}, "'xts' is ISO 4217's code for no currency"),
        ({"EUR": "inf"}, r"currency_rates.EUR"),
        ({"EUR": "NaN"}, r"currency_rates.EUR"),
        ({"EUR": "elva"}, r"currency_rates.EUR"),
        ({"EUR": "11.42", "eur": "11.50"}, "'eur' is given twice"),
    ],
)
def test_bad_rates_are_refused_naming_the_key(rates: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(currency_rates=rates, currency_rates_date=date(2026, 12, 1))  # type: ignore[arg-type]


def test_rates_need_the_date_they_are_as_of() -> None:
    with pytest.raises(ValidationError, match="currency_rates_date: the date"):
        Settings(currency_rates={"EUR": "11.42"})  # type: ignore[dict-item]
