// esbuild bundles a page's stylesheet when its entry imports it (emitted as main.css beside main.js).
declare module '*.css';
