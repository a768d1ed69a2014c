import { pinCommand } from '../pinCommand.ts';

export const command = pinCommand(false);
