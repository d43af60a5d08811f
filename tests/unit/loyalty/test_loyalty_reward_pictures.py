"""A reward's picture: uploaded through the photo pipeline (type by content, bounded,
metadata stripped, stored by content hash), refused with a clear error when it is no
picture, served from this site; an old picture address shown only when it is on this site."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from catalog.db import transaction
from loyalty import reward_pictures, shop
from loyalty.errors import InvalidInput, NotAllowed, NotFound
from loyalty.models import Reward
from loyalty.photos import PhotoLimits
from tests.unit.loyalty.loyalty_support import seed_loyalty
from tests.unit.loyalty.photo_support import jpeg_with_gps
from tests.unit.loyalty.shop_support import admin
from tests.unit.marketplace.mp_support import NOW, Market

BOUNDS = PhotoLimits(max_bytes=2_000_000, max_pixels=4_000_000, duplicate_bits=0)


def _reward(market: Market, url: str | None = None) -> int:
    loyal = seed_loyalty(market)
    with transaction(market.factory) as s:
        value = shop.RewardInput("Presentkort", "", url, "Kort", 100, 5)
        return shop.create_reward(s, admin(s), loyal.programme_id, value, now=NOW).id


def test_an_uploaded_picture_is_stripped_stored_by_hash_and_served(
    market: Market, tmp_path: Path
) -> None:
    reward_id = _reward(market)
    with transaction(market.factory) as s:
        reward = reward_pictures.set_picture(
            s,
            admin(s),
            reward_id,
            io.BytesIO(jpeg_with_gps()),
            photo_dir=tmp_path,
            bounds=BOUNDS,
            now=NOW,
        )
        name = reward.picture
    assert name is not None and name.endswith(".jpg") and len(name) == 64 + 4
    with market.factory() as s:
        path, content_type = reward_pictures.picture_file(s, reward_id, tmp_path)
        assert content_type == "image/jpeg" and path == tmp_path / "rewards" / name
        with Image.open(path) as stored:
            assert not stored.getexif()  # no camera, no GPS position
        assert reward_pictures.shown_url(s.get_one(Reward, reward_id)) == (
            f"/lojalitet/beloningsbild/{reward_id}"
        )


def test_a_file_that_is_no_picture_is_refused_naming_why(market: Market, tmp_path: Path) -> None:
    reward_id = _reward(market)
    with transaction(market.factory) as s:
        with pytest.raises(reward_pictures.PictureRefused) as caught:
            reward_pictures.set_picture(
                s,
                admin(s),
                reward_id,
                io.BytesIO(b"%PDF-1.4 not a picture at all"),
                photo_dir=tmp_path,
                bounds=BOUNDS,
                now=NOW,
            )
        assert caught.value.code == "photo_type" and caught.value.field == "picture"
        assert str(caught.value).startswith("picture: ")
        with pytest.raises(reward_pictures.PictureRefused) as too_big:
            reward_pictures.set_picture(
                s,
                admin(s),
                reward_id,
                io.BytesIO(jpeg_with_gps()),
                photo_dir=tmp_path,
                bounds=PhotoLimits(max_bytes=100, max_pixels=4_000_000, duplicate_bits=0),
                now=NOW,
            )
        assert too_big.value.code == "photo_size"
        assert s.get_one(Reward, reward_id).picture is None
        with pytest.raises(NotFound):
            reward_pictures.picture_file(s, reward_id, tmp_path)
    assert not list(tmp_path.rglob("*.jpg"))  # nothing kept of a refused upload


def test_only_the_programmes_manager_sets_a_picture(market: Market, tmp_path: Path) -> None:
    reward_id = _reward(market)
    with transaction(market.factory) as s, pytest.raises(NotAllowed):
        reward_pictures.set_picture(
            s,
            market.user(s, "tand_staff"),
            reward_id,
            io.BytesIO(jpeg_with_gps()),
            photo_dir=tmp_path,
            bounds=BOUNDS,
            now=NOW,
        )


def test_an_old_picture_address_is_shown_only_when_it_is_on_this_site(market: Market) -> None:
    reward_id = _reward(market, "/static/rewards/kort.png")
    with transaction(market.factory) as s:
        reward = s.get_one(Reward, reward_id)
        assert reward_pictures.shown_url(reward) == "/static/rewards/kort.png"
        reward.picture_url = "https://cdn.example.com/kort.png"  # stored before uploads
        assert reward_pictures.shown_url(reward) is None
        reward.picture_url = "//cdn.example.com/kort.png"
        assert reward_pictures.shown_url(reward) is None
        for outside in ("https://cdn.example.com/kort.png", "//cdn.example.com/x.png"):
            with pytest.raises(InvalidInput) as caught:
                shop.update_reward(
                    s,
                    admin(s),
                    reward_id,
                    shop.RewardInput("Presentkort", "", outside, "Kort", 100, 5),
                    now=NOW,
                )
            assert caught.value.field == "picture_url" and "upload" in str(caught.value)
