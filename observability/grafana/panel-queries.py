#!/usr/bin/python3
"""Every panel query of the Tandem dashboards, with the dashboard variables filled in.

    observability/grafana/panel-queries.py [--var NAME=VALUE]... [DASHBOARD.json...]

Prints one JSON object per line and per query target (hidden targets are skipped):

    {"dashboard": "<uid>", "file": "slo.json", "panel": "<title>", "panel_id": 3, "refId": "A",
     "datasource": "<data source uid>", "datasource_type": "prometheus", "instant": false,
     "expr": "<query, variables substituted>"}

so that a test can run each expr against the data source of that uid (VictoriaMetrics: instant
queries at /api/v1/query, the others at /api/v1/query_range; Loki at /loki/api/v1/query_range).

Variables are written as Grafana writes them: $name, ${name}, ${name:format} and [[name]]. Values:
  --var NAME=VALUE   wins; given more than once for a name, the values become (v1|v2), as Grafana
                     renders a multi-value variable in a regex matcher. Values are inserted as they
                     are (so a regex works too).
  query variables    (zone, host) otherwise ".*", the All value of these dashboards;
  constant, custom, textbox and interval variables: the value saved in the dashboard;
  $__rate_interval   1m,  $__interval 30s,  $__range 1h  (each can be set with --var too, e.g.
                     --var __range=6h; $__interval_ms, $__range_s and $__range_ms follow).
An unknown variable is an error (exit 2): no expr is printed with a `$` left in it.
Python 3.11 standard library only.
"""
import argparse
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DASHBOARDS = os.path.join(HERE, "dashboards")
ALL_VALUE = ".*"
BUILTINS = {"__rate_interval": "1m", "__interval": "30s", "__range": "1h"}
VARIABLE = re.compile(r"\$\{(?P<braced>\w+)(?::[^}]*)?\}|\[\[(?P<bracketed>\w+)(?::[^\]]*)?\]\]|\$(?P<plain>\w+)")
DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


class Unresolved(Exception):
    pass


def seconds(duration):
    parts = DURATION.findall(duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        raise ValueError(f"not a duration: {duration!r}")
    return sum(int(n) * SECONDS[u] for n, u in parts)


def saved_value(variable):
    """The value a non-query variable has as saved in the dashboard (None if it has none)."""
    kind = variable.get("type")
    if kind == "constant":
        return str(variable.get("query", ""))
    if kind in ("custom", "textbox", "interval"):
        current = (variable.get("current") or {}).get("value")
        if isinstance(current, list):
            current = current[0] if len(current) == 1 else "(" + "|".join(current) + ")"
        if current is not None:
            return str(current)
        if kind == "textbox":
            return str(variable.get("query", ""))
    return None


def values_for(dashboard, given):
    """Name -> value for every variable an expression of this dashboard may use."""
    values = dict(BUILTINS)
    for variable in dashboard.get("templating", {}).get("list", []):
        value = saved_value(variable)
        values[variable["name"]] = ALL_VALUE if value is None else value
    for name, vals in given.items():
        values[name] = vals[0] if len(vals) == 1 else "(" + "|".join(vals) + ")"
    interval_s = seconds(values["__interval"])
    range_s = seconds(values["__range"])
    values["__interval_ms"] = str(int(interval_s * 1000))
    values["__rate_interval_ms"] = str(int(seconds(values["__rate_interval"]) * 1000))
    values["__range_s"] = str(int(range_s))
    values["__range_ms"] = str(int(range_s * 1000))
    return values


def substitute(text, values):
    def replace(match):
        name = match.group("braced") or match.group("bracketed") or match.group("plain")
        if name not in values:
            raise Unresolved(name)
        return values[name]
    return VARIABLE.sub(replace, text)


def panels_of(panels):
    for panel in panels:
        yield panel
        yield from panels_of(panel.get("panels", []))


def queries(path, given):
    with open(path, encoding="utf-8") as handle:
        dashboard = json.load(handle)
    values = values_for(dashboard, given)
    for panel in panels_of(dashboard.get("panels", [])):
        if panel.get("type") == "row":
            continue
        panel_ds = panel.get("datasource") or {}
        for target in panel.get("targets", []):
            if target.get("hide"):
                continue
            ds = target.get("datasource") or panel_ds
            where = f"{os.path.basename(path)}: panel {panel.get('id')} ({panel.get('title')!r}) {target.get('refId')}"
            try:
                expr = substitute(target.get("expr", ""), values)
                title = substitute(panel.get("title", ""), values)
            except Unresolved as unknown:
                raise Unresolved(f"{where}: unknown variable ${unknown}") from None
            yield {
                "dashboard": dashboard.get("uid"),
                "file": os.path.basename(path),
                "panel": title,
                "panel_id": panel.get("id"),
                "refId": target.get("refId"),
                "datasource": ds.get("uid"),
                "datasource_type": ds.get("type"),
                "instant": bool(target.get("instant")) and not target.get("range", False),
                "expr": expr,
            }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                        help="value of a dashboard variable (repeat a name for several values)")
    parser.add_argument("dashboards", nargs="*", help="dashboard files (default: every one in %(prog)s's dashboards/)")
    args = parser.parse_args(argv)
    given = {}
    for assignment in args.var:
        name, sep, value = assignment.partition("=")
        if not sep or not re.fullmatch(r"\w+", name):
            parser.error(f"--var wants NAME=VALUE, not {assignment!r}")
        given.setdefault(name, []).append(value)
    paths = args.dashboards or sorted(glob.glob(os.path.join(DASHBOARDS, "*.json")))
    if not paths:
        parser.error(f"no dashboard in {DASHBOARDS}")
    try:
        for path in paths:
            for query in queries(path, given):
                print(json.dumps(query, ensure_ascii=False))
    except (Unresolved, ValueError) as error:
        print(f"panel-queries: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (head, ...) has what it wanted
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
