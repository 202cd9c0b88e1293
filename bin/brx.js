#!/usr/bin/env node
// The `brx` command. brx is TypeScript run through tsx's loader, so a checkout needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
