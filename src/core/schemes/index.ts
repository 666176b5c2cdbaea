/** Registers every scheme family (import order = catalogue order). */
import './basic.ts';
