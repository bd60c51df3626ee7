import type { Command } from 'commander';
import { register as compare } from './compare.js';
import { register as data } from './data.js';
import { register as demo } from './demo.js';
import { register as deploy } from './deploy.js';
import { register as doctor } from './doctor.js';
import { register as evalCommand } from './eval.js';
import { register as gate } from './gate.js';
import { register as jobs } from './jobs.js';
import { register as models } from './models.js';
import { register as prices } from './prices.js';
import { register as report } from './report.js';
import { register as sweep } from './sweep.js';
import { register as tune } from './tune.js';

/**
 * Every `polytune <command>` registers itself here: one file per command
 * (group) in this folder, each exporting `register(program)`.
 */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  demo,
  doctor,
  data,
  tune,
  jobs,
  deploy,
  evalCommand,
  compare,
  gate,
  sweep,
  prices,
  models,
  report,
];
