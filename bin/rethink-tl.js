#!/usr/bin/env node
'use strict';
// Runs the TypeScript CLI in place: tsx's CommonJS hook compiles lib/**/*.ts on require, so there is no build step.
require('tsx/cjs');
const { main } = require('../lib/cli/main.ts');

process.stdout.on('error', (error) => {
  // `rethink-tl export | head` closes stdout early: that is not an error.
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
