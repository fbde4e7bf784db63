#!/usr/bin/env python3
"""The bash completion and the man page against the CLI itself: the subcommands and every
option of `gpuparity SUB --help` must be what the completion offers (asked through bash, as
a shell would) and what the man page describes (its .TP tags), and nothing more, so neither
can drift from the program."""
import argparse
import re
import subprocess
import sys

TIMEOUT = 60  # seconds, for every program run here


def run(argv, stdin=None):
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=TIMEOUT,
                          check=True).stdout


def help_section(text, title):
    """Lines of one section ('Options:', 'Subcommands:') of CLI11's help."""
    out, inside = [], False
    for line in text.splitlines():
        if re.match(r"^\S.*:$", line):
            inside = line == title
            continue
        if inside:
            out.append(line)
    return out


def cli_options(gpuparity, sub):
    text = run([gpuparity] + ([sub] if sub else []) + ["--help"])
    names = set()
    for line in help_section(text, "Options:"):
        m = re.match(r"^  (-[^\s]+)", line)
        if m:
            names.update(m.group(1).split(","))
    if not names:
        sys.exit(f"no options parsed from `gpuparity {sub} --help`:\n{text}")
    return names, text


def cli_subcommands(gpuparity):
    text = run([gpuparity, "--help"])
    subs = [re.match(r"^  (\S+)", l).group(1) for l in help_section(text, "Subcommands:")
            if re.match(r"^  \S", l)]
    if not subs:
        sys.exit(f"no subcommands parsed from `gpuparity --help`:\n{text}")
    return subs


def completion_words(completion, words):
    """COMPREPLY of the completion function for the command line `words` (cursor on the
    last word), from a bash that sourced the completion file."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
              '_gpuparity; printf "%s\\n" "${COMPREPLY[@]}"')
    return set(w for w in run(["bash", "-c", script, "bash", completion] + words).split("\n") if w)


def man_sections(man_path):
    """{section title: [tag words]}: the options named in the .TP tags of each .SS/.SH."""
    text = open(man_path, encoding="utf-8").read().replace("\\-", "-")
    sections, title, lines = {}, None, text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r'^\.(SS|SH) "?([^"]*)"?$', line)
        if m:
            title = m.group(2)
            sections.setdefault(title, {"tags": set(), "text": ""})
            continue
        if title is None:
            continue
        sections[title]["text"] += line + "\n"
        if line == ".TP" and i + 1 < len(lines):
            sections[title]["tags"].update(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", lines[i + 1]))
    return sections


def compare(what, expected, found, problems):
    if expected != found:
        missing, extra = sorted(expected - found), sorted(found - expected)
        problems.append(f"{what}: missing {missing}, not in the CLI {extra}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gpuparity", required=True)
    ap.add_argument("--completion", required=True)
    ap.add_argument("--man", required=True)
    a = ap.parse_args()
    problems = []
    subs = cli_subcommands(a.gpuparity)
    compare("completion of `gpuparity `", set(subs), completion_words(a.completion, ["gpuparity", ""]),
            problems)
    top, _ = cli_options(a.gpuparity, None)
    compare("completion of `gpuparity -`", top, completion_words(a.completion, ["gpuparity", "-"]),
            problems)

    man = man_sections(a.man)
    margins = man.get("MARGIN OPTIONS", {"tags": set()})["tags"]
    if not margins:
        problems.append("man page: no MARGIN OPTIONS section with .TP tags")
    compare("man page's commands", set(subs),
            {t.split()[1] for t in man if t.startswith("gpuparity ")}, problems)
    for sub in subs:
        options, _ = cli_options(a.gpuparity, sub)
        compare(f"completion of `gpuparity {sub} -`", options,
                completion_words(a.completion, ["gpuparity", sub, "-"]), problems)
        section = man.get(f"gpuparity {sub}")
        if section is None:
            continue  # named above
        documented = set(section["tags"])
        if "MARGIN OPTIONS" in section["text"]:
            documented |= margins
        # -h/--help: the page says once that every subcommand takes them.
        compare(f"man page section `gpuparity {sub}`", options - {"-h", "--help"}, documented,
                problems)
    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print(f"completion and man page match the CLI: {len(subs)} subcommands and their options")
    return 0


if __name__ == "__main__":
    sys.exit(main())
