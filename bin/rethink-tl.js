#!/usr/bin/env node
'use strict';
// Runs the TypeScript CLI in place: tsx's CommonJS hook compiles lib/**/*.ts on require, so there is no build step.
require('tsx/cjs');
require('../lib/cli/main.ts').runAsProcess(process.argv.slice(2));
