import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from './src/config.js';
import { createGateway } from './src/create.js';
const dir = await mkdtemp(join(tmpdir(), 'q-'));
const gateway = await createGateway(parseConfig({ dataDir: dir, mcpServers: {}, sandbox: { pythonPool: 0 } }));
const r = await gateway.execute(`import sys
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != '_Guard']
out = {}
for name in ['js', 'pyodide_js', 'subprocess', 'ctypes', 'socket', '_socket', '_ctypes', '_posixsubprocess', 'ssl', '_ssl', 'multiprocessing', 'micropip', 'pyodide.http', 'pyodide.code']:
    try:
        m = __import__(name)
        out[name] = 'imported ' + str(getattr(m, '__file__', 'builtin'))
    except BaseException as e:
        out[name] = type(e).__name__ + ': ' + str(e)[:60]
out['builtins'] = [n for n in sys.builtin_module_names if n in ('_socket', '_ctypes', '_posixsubprocess', '_ssl')]
out`, { language: 'python' });
console.log(JSON.stringify(r.result ?? r.error, null, 1));
await gateway.close();
