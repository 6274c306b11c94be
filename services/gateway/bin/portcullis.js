#!/usr/bin/env node
// The `portcullis` command. Kept as a committed file (not a link into dist/)
// so npm can mark it executable at install time, before the first build.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
