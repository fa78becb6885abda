/**
 * Codes of the rule loader and the rules test runner. Codes are never reused:
 * retire one by leaving it here with a description saying so. docs/errors.md
 * lists every code of the merged table (see diagnostics.ts); a test keeps them
 * in step.
 */

export interface CodeInfo {
  /** A short noun phrase, used as the heading in docs/errors.md. */
  readonly title: string;
  /** What the code means and how to fix it. */
  readonly description: string;
}

export const LOADER_CODES = {
  VGL_FILE_READ: {
    title: 'Rule file or directory cannot be read',
    description: 'A rules directory given on the command line or in the config does not exist, or a file in it cannot be read. Check the path and its permissions.',
  },
  VGL_YAML_SYNTAX: {
    title: 'YAML syntax error, or an alias that cannot be expanded',
    description: 'The file is not valid YAML (bad indentation, an unclosed bracket or quote, a duplicate key in one map, a tab used for indentation). The location points at the spot the parser stopped; fix the YAML there. An alias (`*name`, repeating the node its anchor `&name` marks) is refused at the alias when it sits inside the node it repeats (`a: &a [1, *a]`, a value without end), or when the file\'s aliases expand to more than 10000 nodes (anchors repeating anchors that repeat others, which would freeze a reload); write the values out, or anchor only the pieces that are shared. Nothing of the file is loaded.',
  },
  VGL_FILE_SHAPE: {
    title: 'A rule file or one of its sections has the wrong shape',
    description: 'A rule file is a map with the sections `vars` (map), `lists` (map), `macros` (map), `contexts` (map), `rules` (list) and `overrides` (list). The message names the section and the shape it must have.',
  },
  VGL_FILE_UNKNOWN_KEY: {
    title: 'Unknown top-level key',
    description: 'A rule file may only hold `vars`, `lists`, `macros`, `contexts`, `rules` and `overrides`. The message suggests the nearest valid key.',
  },
  VGL_NAME_INVALID: {
    title: 'Invalid name',
    description: 'Var, list and macro names are lower_snake_case (`hot_ports`, `port_scan_threshold`). A list or macro may not take the name of a field root (`src`, `tcp`, …), a condition helper or a jexl word, and a list may not share its name with a macro. Names that become property names of a hit (the parts of a map-form `key`, the entries of `collect`, the groups of a `group` rule) may not be `__proto__`, which a JavaScript object does not keep as a property; rename it.',
  },
  VGL_VAR_OVERRIDE_UNKNOWN: {
    title: 'Var override names no var of the ruleset',
    description: 'A warning: the config or command line sets a var that no loaded rule file defines, so it has no effect. Check the spelling against the pack\'s `vars:`.',
  },
  VGL_LIST_VALUE: {
    title: 'A list is not a list of scalars',
    description: 'Every entry under `lists:` is a YAML list of strings, numbers or booleans, e.g. `hot_ports: [23, 2323]`.',
  },
  VGL_LIST_EXTEND_UNDEFINED: {
    title: 'Extending a list that is not defined',
    description: '`name+: [...]` appends to a list defined in this or an earlier file. Define the list first with `name: [...]`, or fix the name (the message suggests the nearest list).',
  },
  VGL_MACRO_VALUE: {
    title: 'A macro is not an expression',
    description: 'Every entry under `macros:` is one jexl expression written as a string (a boolean such as `false` is accepted as the expression `false`).',
  },
  VGL_CONTEXT_DECL: {
    title: 'Invalid context declaration',
    description: 'Each entry under `contexts:` maps a context name to its limits, and the only limit is `max_keys`: `contexts: { portscan_reported: { max_keys: 50000 } }`. An entry that is not a map, names another key (the message suggests the nearest) or gives no limit is refused. `max_keys` is an integer of at least 1, given literally or as `"$var"` (a wrong number is reported as `VGL_RULE_NUMBER`).',
  },
  VGL_CONTEXT_CONFLICT: {
    title: 'A context is declared twice with different limits',
    description: 'Two `contexts:` entries, in one file or in two, give the same context name different limits. The message names both places. Keep one declaration or make them equal; to let a site tune a pack\'s limit, declare it once with `max_keys: $some_var` and let the site set the var.',
  },
  VGL_CONTEXT_UNSET: {
    title: 'A declared context is set by no rule',
    description: 'A warning: a name under `contexts:` is not the `name` of any `context.set` action, so its limit applies to nothing. It is most likely a typo; the message suggests the nearest name a rule sets. (When some `context.set` takes its name from a template, any name may be set and no warning is given.)',
  },
  VGL_RULE_SHAPE: {
    title: 'A rule is not a map',
    description: 'Each item under `rules:` is a map of rule keys (`id`, `description`, `on`, `type`, …).',
  },
  VGL_RULE_MISSING_KEY: {
    title: 'A required rule key is missing',
    description: 'Every rule needs `id`, `description`, `on` and `type`; correlation types add their own required parameters (e.g. `count` of a threshold).',
  },
  VGL_RULE_UNKNOWN_KEY: {
    title: 'Unknown rule key',
    description: 'A key is neither a common rule key nor a parameter of the rule\'s correlation type. A typo here would silently disable part of the rule, so it is an error; the message suggests the nearest valid key.',
  },
  VGL_RULE_ID: {
    title: 'Invalid rule id',
    description: 'Rule ids are lower-kebab-case: lowercase letters and digits in words joined by single hyphens, starting with a letter (`syn-scan`, `udp-scan-2`).',
  },
  VGL_RULE_DUPLICATE_ID: {
    title: 'Duplicate rule id',
    description: 'Two rules share an id. To change a rule from an earlier file, write an entry under `overrides:` in a later file instead of defining it again.',
  },
  VGL_RULE_UNKNOWN_TYPE: {
    title: 'Unknown correlation type',
    description: '`type` names no correlation type. The types are listed in docs/rules.md; the message suggests the nearest.',
  },
  VGL_RULE_UNKNOWN_KIND: {
    title: 'Unknown event kind in `on`',
    description: '`on` is a list of event kinds: `packet`, `flow`, `socket`, `tick`.',
  },
  VGL_RULE_VALUE: {
    title: 'A rule key has a value of the wrong kind',
    description: 'A common rule key holds a value of the wrong shape, e.g. `tags` that is not a list of strings, or `description` that is empty. The message says what the key expects.',
  },
  VGL_RULE_SEVERITY: {
    title: 'Unknown severity',
    description: '`severity` is one of `info`, `low`, `medium`, `high`, `critical`.',
  },
  VGL_RULE_KEY_SPEC: {
    title: 'Invalid group-by `key`',
    description: '`key` is either a list of field paths (`[src.ip, dst.port]`) or a map from a name to an expression (`{net: "cidr(src.ip, \\"10.0.0.0/8\\")"}`). Computed keys need the map form.',
  },
  VGL_RULE_DURATION: {
    title: 'Invalid duration',
    description: 'Durations are strings with a unit: `500ms`, `3s`, `10m`, `8h`, `7d` (units may be combined: `1h30m`). A bare number is refused because its unit would be a guess: write `"60s"`, not `60`.',
  },
  VGL_RULE_NUMBER: {
    title: 'Invalid number',
    description: 'A count or size parameter (of a rule, or a context\'s `max_keys` under `contexts:`) must be a number (an integer where the message says so) at or above its minimum, given literally or as `"$var"`.',
  },
  VGL_RULE_BAD_PARAM: {
    title: 'Invalid type parameter',
    description: 'A correlation type rejected one of its parameters (a value of the wrong kind, or values that contradict each other); the message says which and why. See the type in docs/rules.md.',
  },
  VGL_RULE_MISSING_PARAM: {
    title: 'A required type parameter is missing',
    description: 'The rule\'s correlation type needs a parameter the rule does not give (e.g. `count` of a threshold, `first` of a pair). The message names it.',
  },
  VGL_ACTION_SHAPE: {
    title: 'An action is not a one-key map',
    description: 'Each item under `actions:` is a map with exactly one key, the action plugin name, whose value is the map of its parameters: `- block: { address: "{{src.ip}}" }`.',
  },
  VGL_ACTION_UNKNOWN: {
    title: 'Unknown action plugin',
    description: 'The action names no known action plugin (stock, site plugin, or the engine\'s own `context.set` / `context.delete`). The message suggests the nearest.',
  },
  VGL_ACTION_IF: {
    title: 'An action\'s `if` reads event fields',
    description: 'An action\'s `if:` is decided once, when the rules load, from vars and lists (`if: $enforce`); it keeps the action when true and drops it when false. A condition on event fields belongs in the rule\'s `when`, or in a second rule.',
  },
  VGL_ACTION_PARAMS: {
    title: 'Invalid action parameters',
    description: 'The parameters do not fit the action plugin\'s schema (a missing or unknown parameter, a value of the wrong kind). Parameters holding `{{ }}` templates are checked when they render.',
  },
  VGL_OVERRIDE_SHAPE: {
    title: 'An override has the wrong shape',
    description: 'Each item under `overrides:` is a map with `id` and at least one of `replace` (map of rule keys), `append` (map of list-valued rule keys) and `enabled` (boolean).',
  },
  VGL_OVERRIDE_UNKNOWN_RULE: {
    title: 'Override of an unknown rule',
    description: 'An override names a rule id that no earlier file (or earlier in the same file) defines. Check the id (the message suggests the nearest) and that the file defining the rule loads first.',
  },
  VGL_OVERRIDE_FIELD: {
    title: 'Override of a key that cannot be changed that way',
    description: '`replace` cannot change `id`; `append` applies only to list-valued keys (`on`, `tags`, `actions`, a list `key`) and the appended value must be a list.',
  },
  VGL_TEST_CASE: {
    title: 'Invalid rule test case',
    description: 'A folder under a rules directory\'s `tests/` needs an input (`events.jsonl`, or `*.pcap` / `*.pcapng`) and an `expected.yaml` list of hits; `case.yaml`, when present, holds only `description`, `host`, `gateway`, `listen`, `allow`, `ephemeral`, `vars`, `lists`, `macros` and `until`, and its `vars`, `lists` and `macros` may only change ones the rule files define (the message suggests the nearest).',
  },
} as const satisfies Record<string, CodeInfo>;

export type LoaderCode = keyof typeof LOADER_CODES;
