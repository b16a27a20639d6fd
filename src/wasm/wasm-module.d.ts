// In workerd (and under wrangler's CompiledWasm rule) importing a .wasm yields a compiled Module.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
