"""Duplicate accounts, contacts and leads: fuzzy matching that explains itself and scales.

Pure: records (mappings keyed by Salesforce field names) in, pairs and groups out.

    from engine.duplicates import load_config, match, cluster_findings, cluster_tasks

    config = load_config()             # rules/duplicates.yaml (the rule pack), or load_config(path)
    rule_id, matcher = config.matcher_for("Contact")
    result = match(contacts, matcher, phone_region=config.phone_region)
    findings = cluster_findings(rule_id, matcher, result)
    tasks = cluster_tasks(findings, matcher, today=today)
"""

from engine.duplicates.config import DuplicatesConfig, Matcher
from engine.duplicates.config_loader import ConfigError, load_config, parse_config
from engine.duplicates.matcher import match
from engine.duplicates.report import cluster_finding, cluster_findings, cluster_tasks, task_for
from engine.duplicates.result import Cluster, FieldScore, MatchResult, MatchStats, Pair, Verdict

__all__ = [
    "Cluster",
    "ConfigError",
    "DuplicatesConfig",
    "FieldScore",
    "MatchResult",
    "MatchStats",
    "Matcher",
    "Pair",
    "Verdict",
    "cluster_finding",
    "cluster_findings",
    "cluster_tasks",
    "load_config",
    "match",
    "parse_config",
    "task_for",
]
