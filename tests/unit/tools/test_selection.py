from amm.common.deployment import Deployment
from amm.tools.selection import config_path_for, forget_running_config, remember_running_config


def test_config_is_chosen_by_flag_then_environment_then_running_then_default(monkeypatch, tmp_path):
    deployment = Deployment(tmp_path)
    deployment.var.mkdir()
    monkeypatch.setenv("AMM_CONFIG", str(tmp_path / "env.toml"))
    assert config_path_for(deployment, str(tmp_path / "cli.toml")) == tmp_path / "cli.toml"
    assert config_path_for(deployment, None) == tmp_path / "env.toml"
    monkeypatch.delenv("AMM_CONFIG")
    assert config_path_for(deployment, None) == tmp_path / "configs" / "paper.toml"
    remember_running_config(deployment, tmp_path / "testnet.toml", "testnet")
    assert config_path_for(deployment, None) == tmp_path / "testnet.toml"
    forget_running_config(deployment)
    assert config_path_for(deployment, None) == tmp_path / "configs" / "paper.toml"
