import { dataPlaneDeps } from '../../shared/data-plane-wiring';
import { createGetAircraftHandler } from './handler';

export const handler = createGetAircraftHandler(dataPlaneDeps('api-aircraft'));
