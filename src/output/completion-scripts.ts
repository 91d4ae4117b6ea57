/**
 * The completion scripts `zk-coord completion <shell>` prints. Each asks the CLI itself on every Tab
 * (`zk-coord completion complete -- <words>`), so subcommands, options and znode paths are always those of
 * the installed version and the server at hand. Paths get no trailing space, so Tab goes on into children.
 */
export type CompletionShell = 'bash' | 'zsh' | 'fish';

const BASH = `# zk-coord completion for bash: source <(zk-coord completion bash)
_zk_coord_complete() {
  local IFS=$'\\n'
  local words=("\${COMP_WORDS[@]:1:COMP_CWORD}")
  [[ \${#words[@]} -eq 0 ]] && words=("")
  COMPREPLY=($("\${COMP_WORDS[0]}" completion complete -- "\${words[@]}" 2>/dev/null))
  if [[ \${#COMPREPLY[@]} -gt 0 && \${COMPREPLY[0]} == /* ]]; then
    compopt -o nospace 2>/dev/null
  fi
}
complete -o default -F _zk_coord_complete zk-coord
`;

const ZSH = `#compdef zk-coord
# zk-coord completion for zsh: source <(zk-coord completion zsh)   (after compinit)
_zk_coord_complete() {
  local -a found paths others
  found=("\${(@f)$("\${words[1]}" completion complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  for c in $found; do
    [[ -z $c ]] && continue
    if [[ $c == /* ]]; then paths+=("$c"); else others+=("$c"); fi
  done
  (( \${#paths} )) && compadd -Q -S '' -- "\${paths[@]}"
  (( \${#others} )) && compadd -- "\${others[@]}"
  return 0
}
compdef _zk_coord_complete zk-coord
`;

const FISH = `# zk-coord completion for fish: zk-coord completion fish > ~/.config/fish/completions/zk-coord.fish
function __zk_coord_complete
    set -l tokens (commandline -opc)
    $tokens[1] completion complete -- $tokens[2..-1] (commandline -ct) 2>/dev/null
end
complete -c zk-coord -f -a '(__zk_coord_complete)'
`;

export function completionScript(shell: CompletionShell): string {
  return { bash: BASH, zsh: ZSH, fish: FISH }[shell];
}
