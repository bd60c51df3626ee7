import type { Command } from 'commander';
import { register as doctor } from './doctor.js';

/**
 * Every `polytune <command>` registers itself here: one file per command
 * (group) in this folder, each exporting `register(program)`.
 */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [doctor];
