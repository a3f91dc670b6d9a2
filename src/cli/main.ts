#!/usr/bin/env node
console.log('f2d: not implemented yet');
