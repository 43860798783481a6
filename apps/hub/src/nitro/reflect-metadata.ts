// tsyringe checks for the Reflect metadata API as soon as its module loads. In the built server
// the bundler may load tsyringe's chunk before the server entry's own polyfill import runs;
// nitro plugins load before any of the app, so installing it here settles the order.
import 'reflect-metadata';
import { definePlugin } from 'nitro';

export default definePlugin(() => {});
