// Stores a small knowledge graph in the memory server, then queries it back.
import * as memory from './servers/memory';

await memory.createEntities({
  entities: [
    { name: 'toolscript', entityType: 'project', observations: ['MCP gateway', 'runs scripts in QuickJS'] },
    { name: 'QuickJS', entityType: 'engine', observations: ['small JavaScript engine'] },
  ],
});
await memory.createRelations({ relations: [{ from: 'toolscript', to: 'QuickJS', relationType: 'uses' }] });
const found = (await memory.searchNodes({ query: 'toolscript' })) as {
  entities: { name: string; observations: string[] }[];
  relations: { from: string; to: string; relationType: string }[];
};
return {
  entities: found.entities.map((e) => e.name),
  relations: found.relations.map((r) => `${r.from} ${r.relationType} ${r.to}`),
};
