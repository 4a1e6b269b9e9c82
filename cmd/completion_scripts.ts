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
    local cword=$COMP_CWORD k
    for (( k = 1; k < cword; k++ )); do
        if [[ \${COMP_WORDS[k]} == "--" ]]; then
            # After "--": the command's own completion where bash-completion is loaded.
            declare -F _command_offset >/dev/null && _command_offset $((k + 1))
            return 0
        fi
    done
    local current=\${COMP_WORDS[cword]}
    local -a sent=("\${COMP_WORDS[@]:1:cword}")
    if [[ $current == "=" ]]; then
        # bash split --flag=value at the "=": the value is the word being completed.
        sent+=("")
        current=""
    fi
    local IFS=$'\\n'
    COMPREPLY=($(compgen -W "$("\${COMP_WORDS[0]}" --completion-bash "\${sent[@]}" 2>/dev/null)" \\
        -- "$current"))
}
complete -o default -F _${name}_bash_autocomplete ${name}
`;
}

function zshScript(name: string): string {
  return `#compdef ${name}

_${name}() {
    # words[(i)--] is the index of the first "--", or past the end when there is none.
    local dashes=\${words[(i)--]}
    if (( dashes < CURRENT )); then
        # After "--" the rest is a command line of its own.
        words=("\${(@)words[dashes + 1, -1]}")
        (( CURRENT -= dashes ))
        _normal
        return
    fi
    local -a answers
    answers=("\${(@f)$("\${words[1]}" --completion-bash "\${(@)words[2, CURRENT]}" 2>/dev/null)}")
    answers=("\${(@)answers:#}")
    if (( \${#answers} )); then
        compadd -a answers
    elif [[ \${words[CURRENT]} != -* ]]; then
        _files
    fi
}

compdef _${name} ${name}
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
