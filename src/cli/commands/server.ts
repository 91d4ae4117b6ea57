import type { Command } from 'commander';
import type { App } from '../program.js';

export function registerServer(_program: Command, _app: App): void {}
