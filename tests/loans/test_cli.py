from loans.__main__ import main


def test_rules_command_lists_profiles_with_versions(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "national\t2026.1" in out and "sample-county-zj" in out
