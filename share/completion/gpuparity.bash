# bash completion for gpuparity(1): subcommands, their options, and the values of the
# options that take a fixed set. Installed as share/bash-completion/completions/gpuparity.
# tests/install/check_cli_docs.py checks these lists against `gpuparity SUB --help`.

_gpuparity() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=""
  [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
  local subcommands="run node compare baseline report simulate fleet"
  local margins="--margin-bandwidth --margin-compute --margin-latency --margin-round-trip
    --margin-startup --margin-host --judge-host"
  local -A options=(
    [gpuparity]="-h --help --version"
    [run]="-h --help --image --runtime --engine --runtime-template --runtime-kill-template
      --gpus --no-gpu-flags --container-arg --shm-size --ipc --cpus --ulimit
      --native-vs-native --bench --torch --programs --filter --workload-arg --budget
      --min-trials --max-trials --trial-timeout $margins -o --output --baseline --junit
      --prom --no-telemetry --planned-trials --processes-per-trial --no-focus --dry-run
      -q --quiet"
    [node]="-h --help --image --runtime --engine --runtime-template --runtime-kill-template
      --no-gpu-flags --container-arg --shm-size --ipc --cpus --ulimit --native-vs-native
      --bench --torch --programs --filter --workload-arg --budget --min-trials --max-trials
      --trial-timeout $margins --baseline --no-telemetry --planned-trials
      --processes-per-trial --no-focus --dry-run -q --quiet --gpus --nvidia-smi --no-node-wide
      -o --output --reports-prefix --junit --prom --markdown"
    [compare]="-h --help --side $margins -o --output --junit --prom --markdown --html
      -q --quiet"
    [baseline]="-h --help --side -o --output -f --force -q --quiet"
    [report]="-h --help --html --markdown --junit --prom --text"
    [simulate]="-h --help --runs --budget --seed --shift --power-metric --min-trials
      --max-trials --planned-trials --processes-per-trial --no-focus $margins -o --output"
    [fleet]="-h --help -o --output --markdown --junit --prom --html --min-nodes
      --outlier-threshold"
  )
  # The subcommand: the first word after gpuparity that is one.
  local sub=gpuparity word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ " $subcommands " == *" $word "* ]]; then sub=$word; break; fi
  done

  # Values of the options before the cursor.
  case $prev in
    --runtime) mapfile -t COMPREPLY < <(compgen -W "docker podman apptainer custom" -- "$cur"); return ;;
    --programs) mapfile -t COMPREPLY < <(compgen -W "auto bench torch bench,torch" -- "$cur"); return ;;
    --side) mapfile -t COMPREPLY < <(compgen -W "native container" -- "$cur"); return ;;
    --gpus) mapfile -t COMPREPLY < <(compgen -W "all" -- "$cur"); return ;;
    --engine | --bench | --torch | --nvidia-smi)
      mapfile -t COMPREPLY < <(compgen -c -- "$cur"); compopt -o filenames 2>/dev/null; return ;;
    -o | --output | --baseline | --junit | --prom | --markdown | --html | --text | --reports-prefix)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur"); compopt -o filenames 2>/dev/null; return ;;
    --image | --runtime-template | --runtime-kill-template | --container-arg | --shm-size | \
      --ipc | --cpus | --ulimit | --filter | --workload-arg | --budget | --min-trials | \
      --max-trials | --trial-timeout | --margin-* | --planned-trials | --processes-per-trial | \
      --runs | --seed | --shift | --power-metric | --min-nodes | --outlier-threshold)
      return ;;  # a value of the user's own
  esac

  if [ "$sub" = gpuparity ] && [[ $cur != -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$subcommands" -- "$cur")
  elif [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "${options[$sub]}" -- "$cur")
  else
    # Positionals are documents (and, for fleet, folders).
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    compopt -o filenames 2>/dev/null
  fi
}
complete -F _gpuparity gpuparity
