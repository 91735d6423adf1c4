"""No code from configs: what user-supplied configuration may and may not set.

Configs are data. Hydra, though, creates Python objects from some of its own settings (``hydra.callbacks``
entries with a ``_target_``, logging handlers and formatters under ``hydra.job_logging`` with a ``()``
factory, launcher and sweeper plugins), and ``hydra.job.env_set`` or ``hydra.job.chdir`` change the
process. So the composed config of every command is checked, whatever set it (a scenario, theatre,
questions, uncertain, calibrated or any other group file, a primary config given with ``--config-name``,
or an override):

* under ``hydra``, only :data:`ALLOWED` may differ from the project's own Hydra settings: the results
  folders, the search path (``file://`` folders only: ``pkg://`` would import a module) and the choice of
  an installed launcher or sweeper plugin with its parameters (their ``_target_`` must stay the plugin's
  own, and :data:`COMMAND_KEYS`, which run shell commands, may not be set);
* everywhere else, no factory key: a ``_target_`` may name only something in the ``sim`` package
  (nothing in ``sim`` instantiates configs anyway) and ``()`` is never allowed.

A refusal is a :class:`sim.config.ConfigError`: one line naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sim.config import ConfigError

__all__ = ["ALLOWED", "COMMAND_KEYS", "FACTORY_KEYS", "check_factories", "check_hydra"]

TARGET = "_target_"
FACTORY_KEYS = (TARGET, "()")  # what Hydra's instantiate and logging.config call
#: Hydra settings a user config may change (below ``hydra.``).
ALLOWED = ("run.dir", "sweep.dir", "sweep.subdir", "searchpath")
#: Plugin groups that may be chosen (among installed options), with their parameters.
PLUGINS = ("launcher", "sweeper")
#: Plugin parameters that run shell commands (hydra-submitit-launcher's ``setup``) or name functions.
COMMAND_KEYS = ("setup", "custom_search_space")
#: Filled in by Hydra from the command line and the run (whatever a config file says); ``overrides`` and
#: the keys of ``runtime`` are checked on their own (:func:`check_hydra`).
DERIVED = ("runtime", "overrides", "job.override_dirname", "job.id", "job.num", "job.config_name")
ALLOWED_TEXT = (
    "allowed: hydra.run.dir, hydra.sweep.dir, hydra.sweep.subdir, hydra.searchpath (file:// folders), "
    "hydra/launcher and hydra/sweeper (installed plugins) and their parameters"
)


def check_factories(node: Any, prefix: str = "") -> None:
    """Raise :class:`ConfigError` for the first factory key of a plain config tree (outside ``hydra``).

    A ``_target_`` must name something in the ``sim`` package; ``()`` is never allowed.
    """
    items = node.items() if isinstance(node, Mapping) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        key = (f"{prefix}.{k}" if isinstance(k, str) else f"{prefix}[{k}]").lstrip(".")
        if k == TARGET and not (isinstance(v, str) and v.strip().startswith("sim.")):
            raise ConfigError(
                f"{key}: got {v!r}; a config may not name Python objects to create (_target_ outside sim.)"
            )
        if k == "()":
            raise ConfigError(f"{key}: a config may not name a factory to call ('()')")
        check_factories(v, key)


def check_target_override(key: str, value: Any) -> None:
    """A command-line ``..._target_=value`` override: the same rule as :func:`check_factories`."""
    parent, _, leaf = key.rpartition(".")
    if leaf in FACTORY_KEYS:
        check_factories({leaf: value}, parent)


def _differences(user: Any, ref: Any, path: str) -> list[str]:
    """Dotted paths (below ``hydra``) where two plain trees differ, shallowest first."""
    if isinstance(user, Mapping) and isinstance(ref, Mapping):
        out = []
        for k in [*ref, *(k for k in user if k not in ref)]:
            sub = f"{path}.{k}" if path else str(k)
            if k not in user or k not in ref:
                out.append(sub)
            else:
                out += _differences(user[k], ref[k], sub)
        return out
    return [] if user == ref else [path]


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(f"{p}.") for p in prefixes)


def check_hydra(
    user: Mapping[str, Any], reference: Mapping[str, Any], overrides: Sequence[str] | None = None
) -> None:
    """Refuse Hydra settings a user config may not change.

    Args:
        user: the composed ``hydra`` node (a plain tree, interpolations unresolved).
        reference: the project's own ``hydra`` node with the same launcher and sweeper choices.
        overrides: the overrides it was composed with (Hydra records them in ``hydra.overrides``, and a
            config file may not add to that record); None: not checked.

    Raises:
        ConfigError: one line naming the first ``hydra.`` key (or ``hydra/<group>`` choice) at fault.
    """
    choices = user.get("runtime", {}).get("choices", {})
    ref_choices = reference.get("runtime", {}).get("choices", {})
    for group in sorted(set(choices) | set(ref_choices)):
        if group.startswith("hydra/") and group.removeprefix("hydra/") not in PLUGINS:
            if choices.get(group) != ref_choices.get(group):
                raise ConfigError(
                    f"{group}: a config may not choose {choices.get(group)!r} here (Hydra's own "
                    f"setting); {ALLOWED_TEXT}"
                )
    for entry in user.get("searchpath") or []:
        if not (isinstance(entry, str) and entry.startswith("file://")):
            raise ConfigError(
                f"hydra.searchpath: got {entry!r}; allowed: file:// folders (pkg:// would import a module)"
            )
    extra = sorted(set(user.get("runtime") or {}) - set(reference.get("runtime") or {}))
    if extra:
        raise ConfigError(
            f"hydra.runtime.{extra[0]}: a config may not set Hydra's own settings; {ALLOWED_TEXT}"
        )
    if overrides is not None:
        recorded = user.get("overrides") or {}
        given = list(recorded.get("hydra") or []) + list(recorded.get("task") or [])
        if sorted(given) != sorted(overrides):
            raise ConfigError(
                f"hydra.overrides: a config may not set Hydra's record of the overrides; {ALLOWED_TEXT}"
            )
    for group in PLUGINS:
        _check_plugin(user.get(group), reference.get(group), group)
    for path in _differences(user, reference, ""):
        if not (_under(path, DERIVED) or _under(path, ALLOWED) or _under(path, PLUGINS)):
            raise ConfigError(f"hydra.{path}: a config may not set Hydra's own settings; {ALLOWED_TEXT}")


def _check_plugin(user: Any, ref: Any, path: str) -> None:
    """Plugin parameters may change, but not its factories (``_target_``, ``()``) nor :data:`COMMAND_KEYS`."""
    items = user.items() if isinstance(user, Mapping) else enumerate(user) if isinstance(user, list) else ()
    for k, v in items:
        sub = f"{path}.{k}"
        if isinstance(ref, Mapping):
            ref_v = ref.get(k, _ABSENT)
        elif isinstance(ref, list) and isinstance(k, int) and k < len(ref):
            ref_v = ref[k]
        else:
            ref_v = _ABSENT
        if k in FACTORY_KEYS or k in COMMAND_KEYS:
            if v != ref_v:
                raise ConfigError(
                    f"hydra.{sub}: a config may not set this plugin setting (it names code to run); "
                    f"{ALLOWED_TEXT}"
                )
        else:
            _check_plugin(v, None if ref_v is _ABSENT else ref_v, sub)


_ABSENT = object()
