"""`keras-loss-lint generate-shell-completion bash|zsh|fish`: completion scripts made from the
argument parser itself, so they always offer the commands and options that exist.

    keras-loss-lint generate-shell-completion bash > ~/.local/share/bash-completion/completions/keras-loss-lint
    keras-loss-lint generate-shell-completion zsh > ~/.zfunc/_keras-loss-lint   # a directory on $fpath
    keras-loss-lint generate-shell-completion fish > ~/.config/fish/completions/keras-loss-lint.fish

Options with a fixed set of values (`--output-format`, `--color`) complete those values; `rule`
completes rule codes; other values and paths complete as file names.
"""

from __future__ import annotations

import argparse

from keras_loss_lint.faces.cli.exits import PROG
from keras_loss_lint.core.catalogue import known_codes


class Option:
    __slots__ = ("names", "help", "choices", "takes_value")

    def __init__(self, action: argparse.Action) -> None:
        self.names = list(action.option_strings)
        self.help = (action.help or "").replace("%%", "%")
        self.choices = [str(choice) for choice in action.choices] if action.choices else []
        self.takes_value = action.nargs != 0


class Command:
    __slots__ = ("name", "help", "options", "words")

    def __init__(self, name: str, help_text: str, parser: argparse.ArgumentParser) -> None:
        self.name = name
        self.help = help_text
        self.options = [Option(a) for a in parser._actions if a.option_strings]
        # What the command's positional argument can be (a shell, a rule code), when it is a set.
        positional = [a for a in parser._actions if not a.option_strings and a.dest != "help"]
        self.words = [str(c) for a in positional for c in (a.choices or ())]
        if name == "rule":
            self.words = known_codes()


def commands(parser: argparse.ArgumentParser) -> list[Command]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            return [Command(name, helps.get(name, ""), sub) for name, sub in action.choices.items()]
    return []


def completion_script(shell: str, parser: argparse.ArgumentParser) -> str:
    found = commands(parser)
    if shell == "bash":
        return _bash(found)
    if shell == "zsh":
        return _zsh(found)
    return _fish(found)


def _function_name() -> str:
    return "_" + PROG.replace("-", "_")


# ---------------------------------------------------------------------------------------------------
# bash


def _bash(found: list[Command]) -> str:
    name = _function_name()
    lines = [
        f"# bash completion for {PROG}",
        f"{name}() {{",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        "    if [[ $COMP_CWORD -eq 1 ]]; then",
        f'        COMPREPLY=($(compgen -W "{" ".join(c.name for c in found)} --help --version" -- "$cur"))',
        "        return",
        "    fi",
        '    case "${COMP_WORDS[1]}" in',
    ]
    for command in found:
        lines += [f"        {command.name})", *_bash_command(command), "            ;;"]
    lines += ["    esac", "}", f"complete -o default -F {name} {PROG}", ""]
    return "\n".join(lines)


def _bash_command(command: Command) -> list[str]:
    lines = ['            case "$prev" in']
    for option in command.options:
        names = "|".join(option.names)
        if option.choices:
            values = f'compgen -W "{" ".join(option.choices)}" -- "$cur"'
            lines.append(f"                {names}) COMPREPLY=($({values})); return ;;")
        elif option.takes_value:
            lines.append(f'                {names}) COMPREPLY=($(compgen -f -- "$cur")); return ;;')
    lines.append("            esac")
    flags = " ".join(name for option in command.options for name in option.names)
    # Positional words (a shell, a rule code) when the command has a set of them, else file names.
    others = f'-W "{" ".join(command.words)}"' if command.words else "-f"
    lines += [
        '            if [[ "$cur" == -* ]]; then',
        f'                COMPREPLY=($(compgen -W "{flags}" -- "$cur"))',
        "            else",
        f'                COMPREPLY=($(compgen {others} -- "$cur"))',
        "            fi",
    ]
    return lines


# ---------------------------------------------------------------------------------------------------
# zsh


def _zsh(found: list[Command]) -> str:
    name = _function_name()
    described = " ".join(f"'{c.name}:{_zsh_quote(c.help)}'" for c in found)
    lines = [
        f"#compdef {PROG}",
        "",
        f"{name}() {{",
        "    local line state",
        "    _arguments -C \\",
        "        '(- *)--help[show help]' \\",
        "        '(- *)--version[show the version]' \\",
        "        '1: :->command' \\",
        "        '*:: :->args'",
        '    case "$state" in',
        f"        command) local -a commands; commands=({described}); _describe command commands ;;",
        "        args)",
        '            case "$line[1]" in',
    ]
    for command in found:
        specs = [_zsh_option(option) for option in command.options]
        specs.append(f"'*:word:({' '.join(command.words)})'" if command.words else "'*:file:_files'")
        lines.append(f"                {command.name}) _arguments {' '.join(specs)} ;;")
    lines += ["            esac ;;", "    esac", "}", "", f'{name} "$@"', ""]
    return "\n".join(lines)


def _zsh_option(option: Option) -> str:
    names = option.names
    spec = ("{" + ",".join(names) + "}") if len(names) > 1 else names[0]
    text = f"[{_zsh_quote(option.help)}]"
    if option.choices:
        value = f":value:({' '.join(option.choices)})"
    elif option.takes_value:
        value = ":value:_files"
    else:
        value = ""
    return f"{spec}'{text}{value}'"


def _zsh_quote(text: str) -> str:
    # Inside '...' a quote is written '\''; zsh's _arguments also reads [ ] : as syntax.
    return text.replace("'", "'\\''").replace("[", "(").replace("]", ")").replace(":", " -")


# ---------------------------------------------------------------------------------------------------
# fish


def _fish(found: list[Command]) -> str:
    names = " ".join(c.name for c in found)
    lines = [f"# fish completion for {PROG}", f"complete -c {PROG} -f"]
    for command in found:
        condition = f"-n 'not __fish_seen_subcommand_from {names}'"
        lines.append(f"complete -c {PROG} {condition} -a {command.name} -d {_fish_quote(command.help)}")
    for command in found:
        seen = f"-n '__fish_seen_subcommand_from {command.name}'"
        for option in command.options:
            lines.append(f"complete -c {PROG} {seen} {_fish_option(option)}")
        if command.words:
            lines.append(f"complete -c {PROG} {seen} -a {_fish_quote(' '.join(command.words))}")
        elif command.name == "check":
            lines.append(f"complete -c {PROG} {seen} -F")
    return "\n".join(lines) + "\n"


def _fish_option(option: Option) -> str:
    parts = []
    for name in option.names:
        parts.append(f"-l {name[2:]}" if name.startswith("--") else f"-s {name[1:]}")
    if option.choices:
        parts.append(f"-x -a {_fish_quote(' '.join(option.choices))}")
    elif option.takes_value:
        parts.append("-r -F")
    parts.append(f"-d {_fish_quote(option.help)}")
    return " ".join(parts)


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
