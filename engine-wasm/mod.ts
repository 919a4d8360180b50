/** Public API of the hft-lab matching engine. */
export * from "./events.ts";
export * from "./book_core.ts";
export * from "./order_book.ts";
export { engineModule } from "./engine_module.ts";
