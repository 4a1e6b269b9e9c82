/**
 * The scripts printed by `--completion-script-bash|zsh|fish|pwsh`, for `eval "$(aws-vault
 * --completion-script-bash)"` and the like in a shell's rc file. Each sends the words typed so far,
 * the word under the cursor last (even when empty), to `aws-vault --completion-bash` and offers
 * the lines it prints (cmd/completion.ts). As aws-vault's contrib/completions scripts do, bash, zsh
 * and fish complete the words after `--` as a command line of their own.
 *
 * kingpin prints bash and zsh scripts of this kind; ours differ where kingpin's fail: its zsh
 * script (v2.3.2) sends the program name as the first word, neither handles `--`, and bash's
 * `--flag=<TAB>` offered nothing. fish and PowerShell are our additions.
 */
export type CompletionShell = "bash" | "zsh" | "fish" | "pwsh";

export function completionScript(shell: CompletionShell, appName: string): string {
  // The name goes into function names (`_aws-vault`, as kingpin names them) and unquoted shell
  // words: keep it to characters that are safe in both.
  const name = appName.replace(/[^A-Za-z0-9_.-]/g, "_");
  switch (shell) {
    case "bash":
      return bashScript(name);
    case "zsh":
      return zshScript(name);
    case "fish":
      return fishScript(name);
    case "pwsh":
      return pwshScript(name);
  }
}

function bashScript(name: string): string {
  return `_${name}_bash_autocomplete() {
    local i cur opts
    local -a words
    for (( i=1; i < COMP_CWORD; i++ )); do
        if [[ \${COMP_WORDS[i]} == -- ]]; then
            # The command after --: its own completion (bash-completion), else file names.
            if declare -F _command_offset >/dev/null; then _command_offset $((i+1)); fi
            return
        fi
    done

    COMPREPLY=()
    cur="\${COMP_WORDS[COMP_CWORD]}"
    words=("\${COMP_WORDS[@]:1:COMP_CWORD}")
    # bash splits --flag=value at the "=": complete the value after it.
    if [[ $cur == "=" ]]; then
        words+=("")
        cur=""
    fi
    opts=$("\${COMP_WORDS[0]}" --completion-bash "\${words[@]}" 2>/dev/null)
    local IFS=$'\\n'
    COMPREPLY=( $(compgen -W "\${opts}" -- "\${cur}") )
    return 0
}
complete -F _${name}_bash_autocomplete -o default ${name}
`;
}

function zshScript(name: string): string {
  return `#compdef ${name}

_${name}() {
    local i
    for (( i=2; i < CURRENT; i++ )); do
        if [[ \${words[i]} == -- ]]; then
            shift $i words
            (( CURRENT -= i ))
            _normal
            return
        fi
    done

    local -a matches
    matches=(\${(f)"$(\${words[1]} --completion-bash "\${(@)words[2,$CURRENT]}" 2>/dev/null)"})
    compadd -a matches

    if [[ $compstate[nmatches] -eq 0 && $words[$CURRENT] != -* ]]; then
        _files
    fi
}

if [[ "$(basename -- \${(%):-%x})" != "_${name}" ]]; then
    compdef _${name} ${name}
fi
`;
}

function fishScript(name: string): string {
  return `function __${name}_after_dashes
    contains -- -- (commandline -opc)
end

function __${name}_complete_arg
    set -l words (commandline -opc)
    set -e words[1]
    set -l current (commandline -ct)
    ${name} --completion-bash $words "$current" 2>/dev/null
end

function __${name}_complete_command
    set -l parts (string split --max 1 -- ' -- ' (commandline -pc))
    complete -C "$parts[2]"
end

complete -c ${name} -e
complete -c ${name} -f -n 'not __${name}_after_dashes' -a '(__${name}_complete_arg)'
complete -c ${name} -f -n '__${name}_after_dashes' -a '(__${name}_complete_command)'
`;
}

function pwshScript(name: string): string {
  return `Register-ArgumentCompleter -Native -CommandName '${name}', '${name}.exe' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @()
    $elements = $commandAst.CommandElements
    for ($i = 1; $i -lt $elements.Count; $i++) {
        $element = $elements[$i]
        # The word under the cursor is $wordToComplete; stop there.
        if ($element.Extent.EndOffset -ge $cursorPosition) { break }
        if ($element -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
            $words += $element.Value
        } else {
            $words += $element.Extent.Text
        }
    }
    $words += $wordToComplete
    & '${name}' --completion-bash @words 2>$null | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
    }
}
`;
}
