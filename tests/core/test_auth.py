from tests.helpers import account, assert_problem


async def test_sign_up_log_in_and_me(client):
    r = await client.post("/api/v1/users", json={"username": "alice_01", "password": "s3cret-pass"})
    assert r.status_code == 201
    assert r.json()["role"] == "viewer"
    assert "password" not in r.text
    r = await client.post("/api/v1/sessions", json={"username": "alice_01", "password": "s3cret-pass"})
    assert r.status_code == 201
    token = r.json()["token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "alice_01"


async def test_duplicate_username_is_a_conflict(client):
    body = {"username": "bob_bob", "password": "s3cret-pass"}
    assert (await client.post("/api/v1/users", json=body)).status_code == 201
    assert_problem(await client.post("/api/v1/users", json=body), 409, "username_taken")


async def test_wrong_password_and_unknown_user_look_the_same(client):
    await client.post("/api/v1/users", json={"username": "carol", "password": "s3cret-pass"})
    wrong = await client.post("/api/v1/sessions", json={"username": "carol", "password": "nope-nope"})
    unknown = await client.post("/api/v1/sessions", json={"username": "nobody", "password": "nope-nope"})
    assert assert_problem(wrong, 401, "bad_credentials")["detail"] == assert_problem(unknown, 401)["detail"]


async def test_passwords_are_stored_as_argon2id(client, services):
    from sqlalchemy import select

    from liveshop.core.auth.store import users

    await client.post("/api/v1/users", json={"username": "dave", "password": "s3cret-pass"})
    async with services.db.transaction(write=False) as tx:
        stored = (await tx.conn.execute(select(users.c.password_hash))).scalar_one()
    assert stored.startswith("$argon2id$") and "s3cret-pass" not in stored


async def test_protected_routes_need_a_valid_token(client):
    assert_problem(await client.get("/api/v1/me"), 401, "not_authenticated")
    r = await client.get("/api/v1/me", headers={"Authorization": "Bearer lst_forged"})
    assert_problem(r, 401)


async def test_log_out_revokes_the_token(client):
    headers = await account(client)
    assert (await client.delete("/api/v1/sessions", headers=headers)).status_code == 204
    assert_problem(await client.get("/api/v1/me", headers=headers), 401)


async def test_expired_session_is_refused(client, clock):
    headers = await account(client)
    clock.advance(31 * 86400)
    assert_problem(await client.get("/api/v1/me", headers=headers), 401)


async def test_cookie_session_needs_the_csrf_header_for_writes(client):
    await client.post("/api/v1/users", json={"username": "erin", "password": "s3cret-pass"})
    r = await client.post("/api/v1/sessions", json={"username": "erin", "password": "s3cret-pass"})
    assert "liveshop_session" in r.cookies
    assert (await client.get("/api/v1/me")).status_code == 200  # reads ride on the cookie
    assert_problem(await client.post("/api/v1/shops", json={"name": "x"}), 403, "csrf_header_missing")
    ok = await client.post("/api/v1/shops", json={"name": "x"}, headers={"X-Liveshop-CSRF": "1"})
    assert ok.status_code == 201


async def test_log_out_revokes_a_token_this_node_has_cached(client):
    headers = await account(client)
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200  # now cached
    assert (await client.delete("/api/v1/sessions", headers=headers)).status_code == 204
    assert_problem(await client.get("/api/v1/me", headers=headers), 401)


async def test_a_cached_session_still_expires_on_time(client, clock):
    headers = await account(client)
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200  # now cached
    clock.advance(31 * 86400)
    assert_problem(await client.get("/api/v1/me", headers=headers), 401)
