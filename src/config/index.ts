/** The config: its schema and validation (config/schema.ts), loading (config/load.ts) and data folder. */
export { defaultDataDir } from './data-dir.js';
export {
  CONFIG_FILE_NAME,
  dataDirExposures,
  defaultConfig,
  expandVariables,
  type LoadedConfig,
  loadConfig,
  MCP_JSON_FILE_NAME,
  normalizeConfigInput,
  PACKAGE_ROOT,
  parseJson,
} from './load.js';
export {
  CONFIG_KEYS,
  configSchema,
  isRemoteServer,
  type ParseOptions,
  parseConfig,
  type RemoteServerConfig,
  type ServerConfig,
  type StdioServerConfig,
  type ToolscriptConfig,
  type ToolscriptConfigInput,
} from './schema.js';
