def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_world_builds(world):
    assert world.by_firm["a"].engagement.firm_id != world.by_firm["b"].engagement.firm_id
