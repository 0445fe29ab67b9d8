/**
 * Runs before each test file: a data folder of its own (`TOOLSCRIPT_DATA_DIR`, inherited by the
 * servers and CLIs it starts), so nothing one file's gateways keep (skills, workspaces, what search
 * learnt, insights) reaches another's, and nothing reaches the user's own data folder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.TOOLSCRIPT_DATA_DIR = mkdtempSync(join(tmpdir(), 'toolscript-test-data-'));
