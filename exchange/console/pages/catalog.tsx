import type { FastifyInstance } from 'fastify';

export async function catalogPages(_c: FastifyInstance) {}
