/** Renderings of the configuration-tree commands (wait, watch -R, export, import, multi-path get). No I/O here. */
import type { ImportPlan, ImportStep } from '../recipes/config/import.js';
import type { TreeEvent } from '../recipes/config/tree-cache.js';
import type { WaitOutcome } from '../recipes/config/wait.js';
import { hex } from '../zk/index.js';
import { escapeControl, plural, previewData } from './escape.js';
import { dataJson } from './render.js';

/** One `config watch -R` line: kind, full path, version, value preview (control characters escaped). */
export function treeEventLine(event: TreeEvent): string {
  const path = escapeControl(event.path);
  const when = 'resync' in event && event.resync ? ' (while disconnected)' : '';
  if (event.kind === 'deleted') return `deleted  ${path}${when}`;
  return `${event.kind.padEnd(8)} ${path}  version ${event.stat.version}${when}  ${previewData(event.data, 200)}`;
}

export function treeEventJson(event: TreeEvent): Record<string, unknown> {
  const json: Record<string, unknown> = { kind: event.kind, path: event.path };
  if (event.kind !== 'deleted') {
    json.version = event.stat.version;
    Object.assign(json, dataJson(event.data));
    json.mzxid = hex(event.stat.mzxid);
  }
  if ('resync' in event) json.resync = event.resync;
  return json;
}

export function waitOutcomeJson(outcome: WaitOutcome): Record<string, unknown> {
  if (!outcome.exists) return { path: outcome.path, exists: false };
  return { path: outcome.path, exists: true, ...dataJson(outcome.data), version: outcome.stat.version };
}

/** A value in the object of a multi-path `config get -o json`: the text, or `{"base64": …}` as in export. */
export function valueJson(data: Buffer): string | { base64: string } {
  const json = dataJson(data);
  return json.encoding === 'base64' ? { base64: json.value } : json.value;
}

export function importStepLine(step: ImportStep): string {
  const path = escapeControl(step.path);
  switch (step.action) {
    case 'create':
      return step.value.length > 0 ? `create  ${path}  ${previewData(step.value, 80)}` : `create  ${path}`;
    case 'update':
      return `update  ${path}  version ${step.version}  ${previewData(step.previous, 40)} -> ${previewData(step.value, 80)}`;
    case 'delete':
      return `delete  ${path}  version ${step.version}`;
  }
}

export function importStepJson(step: ImportStep): Record<string, unknown> {
  const json: Record<string, unknown> = { action: step.action, path: step.path };
  if (step.action !== 'create') json.version = step.version;
  if (step.action !== 'delete') Object.assign(json, dataJson(step.value));
  return json;
}

/** The closing line of an import or its plan. */
export function importSummary(plan: ImportPlan, applied: { transactions: number } | undefined): string {
  const count = (action: ImportStep['action']): number => plan.steps.filter((s) => s.action === action).length;
  const what = `${count('create')} created, ${count('update')} updated, ${count('delete')} deleted, ${plan.unchanged} unchanged`;
  const kept = plan.kept.length > 0 ? `; kept ${plan.kept.length} ephemeral node(s) and their parents` : '';
  if (!applied) return `dry run: would apply ${what} under ${plan.root} (${plural(plan.ops.length, 'operation')}, ${plural(plan.requestBytes, 'byte')})${kept}; nothing changed`;
  const how = applied.transactions === 1 ? 'one transaction' : `${applied.transactions} transactions (not atomic as a whole)`;
  return `imported under ${plan.root}: ${what}, in ${how}${kept}`;
}
