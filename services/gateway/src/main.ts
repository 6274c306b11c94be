/**
 * The entry file Nest's CLI runs (`nest start gateway`, see nest-cli.json):
 * `portcullis serve` with the arguments given, e.g.
 * `nest start gateway -- --config portcullis.yaml`. The `portcullis` bin is
 * the full CLI.
 */
import { main } from './cli/main.js';

process.exitCode = await main([process.argv[0]!, process.argv[1]!, 'serve', ...process.argv.slice(2)]);
