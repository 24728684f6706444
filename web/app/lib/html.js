// @ts-check
/** @module lib/html — htm bound to Preact's h: the one template tag every view uses. */
import { h } from "../../vendor/preact.mjs";
import htm from "../../vendor/htm.mjs";

/** @type {(strings: TemplateStringsArray, ...values: any[]) => any} */
export const html = htm.bind(h);
